// End to end: greedy decoding of stories260K must print the documented upstream
// text (../shared/models/stories260K/README.md) byte for byte.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "support/paths.hpp"

namespace sinkstream::test {
namespace {

// The four indented lines after "Documented greedy output" in the model's README.
std::vector<std::string> documented_lines() {
  std::istringstream in(read_file(shared_dir() + "/models/stories260K/README.md"));
  std::vector<std::string> lines;
  std::string line;
  bool in_block = false;
  while (std::getline(in, line)) {
    if (line.find("Documented greedy output") != std::string::npos) in_block = true;
    else if (in_block && line.rfind("    ", 0) == 0) lines.push_back(line.substr(4));
    else if (in_block && !lines.empty() && !line.empty()) break;
  }
  return lines;
}

TEST(StoriesGreedy, MatchesDocumentedOutput) {
  SINKSTREAM_REQUIRE_SHARED();
  const std::vector<std::string> expected = documented_lines();
  ASSERT_EQ(expected.size(), 4u) << "could not find the documented output in the README";
  const CommandResult r = run_command(binary() + " generate -m " + stories_model() + " -z " + stories_tokenizer() +
                                      " --temp 0 -n 256 -t 2");
  ASSERT_EQ(r.status, 0) << r.err;
  std::istringstream got(r.out);
  std::string line;
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_TRUE(std::getline(got, line)) << "output ended before line " << i + 1;
    EXPECT_EQ(line, expected[i]) << "line " << i + 1;
  }
  EXPECT_NE(r.err.find("tokens/s"), std::string::npos) << "summary line missing on stderr: " << r.err;
}

TEST(StoriesGreedy, DefaultTokenizerIsFoundBesideTheModel) {
  SINKSTREAM_REQUIRE_SHARED();
  const CommandResult with = run_command(binary() + " generate -m " + stories_model() + " -z " +
                                         stories_tokenizer() + " --temp 0 -n 20 -t 1");
  const CommandResult without = run_command(binary() + " generate -m " + stories_model() + " --temp 0 -n 20 -t 1");
  ASSERT_EQ(with.status, 0) << with.err;
  ASSERT_EQ(without.status, 0) << without.err;
  EXPECT_EQ(with.out, without.out);
}

}  // namespace
}  // namespace sinkstream::test
