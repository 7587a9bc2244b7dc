// sinkstream's llama2.c tokenizer against llama2.c's own encoder: the ids in
// tests/fixtures/llama2c_tokenizer/ids.json were printed by bpe_encode of
// karpathy/llama2.c's run.c for the stories260K tok512.bin (how: the fixture's
// README). Inputs: fixed strings (valid and invalid UTF-8) and slices of
// ../shared/text, read in place by file name and byte range.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/paths.hpp"
#include "tokenizer/llama2c_tokenizer.hpp"

namespace sinkstream::test {
namespace {

std::string from_hex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// The input bytes of one fixture case.
std::string case_text(const nlohmann::json& c) {
  if (c.contains("text")) return c.at("text").get<std::string>();
  if (c.contains("hex")) return from_hex(c.at("hex").get<std::string>());
  const std::string all = read_file(shared_dir() + "/text/" + c.at("shared_text").get<std::string>());
  return all.substr(c.at("offset").get<size_t>(), c.at("length").get<size_t>());
}

TEST(Llama2cTokenizerOracle, IdsEqualLlama2cRunC) {
  SINKSTREAM_REQUIRE_SHARED();
  const auto fixture =
      nlohmann::json::parse(read_file(source_dir() + "/tests/fixtures/llama2c_tokenizer/ids.json"));
  const tokenizer::Llama2cTokenizer tok(stories_tokenizer(), fixture.at("vocab_size").get<int32_t>());
  size_t cases = 0, shared_cases = 0, ids_compared = 0;
  for (const auto& c : fixture.at("cases")) {
    const std::string text = case_text(c);
    const auto expected = c.at("ids").get<std::vector<int32_t>>();
    // run.c's main feeds BOS (1) before the prompt tokens bpe_encode returns.
    std::vector<int32_t> with_bos{1};
    with_bos.insert(with_bos.end(), expected.begin(), expected.end());
    EXPECT_EQ(tok.encode(text, false), expected) << "input: " << c.dump().substr(0, 200);
    EXPECT_EQ(tok.encode(text, true), with_bos) << "input: " << c.dump().substr(0, 200);
    ++cases;
    shared_cases += c.contains("shared_text") ? 1 : 0;
    ids_compared += expected.size();
  }
  EXPECT_GE(cases, 45u);
  EXPECT_GE(shared_cases, 15u);
  EXPECT_GT(ids_compared, 5000u);
}

}  // namespace
}  // namespace sinkstream::test
