// Token-id stream files (`ppl --ids`, `sinks --ids`) are untrusted: every
// malformed one must end in a sinkstream::Error naming the file, never in an
// exception of the JSON library escaping to std::terminate. Found by
// token_ids_fuzz: a JSON number that overflows a double ("[1e999]") made
// nlohmann throw out_of_range, which parse_token_ids did not catch.
#include <gtest/gtest.h>

#include <string>

#include "eval/token_ids.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {
namespace {

void expect_error_naming_file(const std::string& text) {
  try {
    (void)eval::parse_token_ids(text, "ids.json", 512);
    ADD_FAILURE() << "accepted: " << text;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ids.json"), std::string::npos) << e.what();
  }
}

TEST(HostileTokenIds, JsonNumberOverflowIsAnError) {
  expect_error_naming_file("[1e999]");
  expect_error_naming_file("[11112E22221]");  // the fuzzer's input, printable part
  expect_error_naming_file("[1, -1e400, 2]");
}

TEST(HostileTokenIds, MalformedJsonAndWordsAreErrors) {
  expect_error_naming_file("[1, 2");
  expect_error_naming_file("[1.5]");
  expect_error_naming_file("[\"7\"]");
  expect_error_naming_file("{\"ids\": [1]}");
  expect_error_naming_file("1 2 x3");
  expect_error_naming_file("1 99999999999999999999999");
}

}  // namespace
}  // namespace sinkstream
