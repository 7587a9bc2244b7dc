// Passkey prompts: length, where the key sits, answer scoring. (stories260K
// cannot retrieve a passkey at all; the model run only checks the plumbing.)
#include <gtest/gtest.h>

#include "eval/passkey.hpp"
#include "sinkstream/error.hpp"
#include "support/paths.hpp"

namespace sinkstream {
namespace {

std::shared_ptr<const Model> stories() {
  LoadOptions lo;
  lo.tokenizer_path = test::stories_tokenizer();
  return Model::load(test::stories_model(), lo);
}

TEST(Passkey, FirstNumber) {
  EXPECT_EQ(eval::first_number(" 71432. Remember"), "71432");
  EXPECT_EQ(eval::first_number("is 0123 and 45"), "0123");
  EXPECT_EQ(eval::first_number("no digits"), "");
  EXPECT_EQ(eval::first_number(""), "");
  EXPECT_EQ(eval::first_number("7"), "7");
}

TEST(Passkey, PromptLengthAndKeyDepth) {
  SINKSTREAM_REQUIRE_SHARED();
  const auto m = stories();
  const Tokenizer& tok = m->tokenizer();
  int64_t prev_begin = -1;
  for (const double depth : {0.0, 0.25, 0.5, 0.75, 1.0}) {
    const eval::PasskeyPrompt p = eval::make_passkey_prompt(tok, 800, depth, "52817");
    const int64_t n = static_cast<int64_t>(p.tokens.size());
    EXPECT_EQ(p.tokens[0], tok.bos_id());
    EXPECT_GT(n, 700);
    EXPECT_LE(n, 820);
    EXPECT_GT(p.key_begin, prev_begin) << depth;  // deeper key, later position
    prev_begin = p.key_begin;
    // The key sentence sits at [key_begin, key_end) and says the key twice.
    const std::vector<int32_t> key(p.tokens.begin() + p.key_begin, p.tokens.begin() + p.key_end);
    const std::string text = tok.decode(key);
    EXPECT_NE(text.find("pass key is 52817"), std::string::npos) << text;
    EXPECT_NE(text.find("52817 is the pass key"), std::string::npos) << text;
    // The whole prompt ends with the question.
    const std::string all = tok.decode(p.tokens);
    EXPECT_EQ(all.substr(all.size() - 16), " The pass key is") << all.substr(all.size() - 40);
    const double rel = static_cast<double>(p.n_before) / p.n_filler;
    EXPECT_NEAR(rel, depth, 0.02);
  }
  EXPECT_THROW(eval::make_passkey_prompt(tok, 800, 1.5, "1"), Error);
  EXPECT_THROW(eval::make_passkey_prompt(tok, 20, 0.5, "1"), Error);
}

TEST(Passkey, RunScoresEveryPolicyAndDepth) {
  SINKSTREAM_REQUIRE_SHARED();
  const auto m = stories();
  eval::PasskeyOptions o;
  o.policies = {CachePolicy::parse("window:48"), CachePolicy::parse("dense")};
  o.depths = {0.0, 1.0};
  o.length = 300;
  o.trials = 2;
  o.threads = 2;
  const eval::PasskeyResult r = eval::run_passkey(m, o);
  ASSERT_EQ(r.cells.size(), 2u);
  for (const auto& row : r.cells) {
    ASSERT_EQ(row.size(), 2u);
    for (const auto& c : row) {
      EXPECT_EQ(c.trials, 2);
      EXPECT_GE(c.correct, 0);
      EXPECT_LE(c.correct, 2);
      EXPECT_EQ(c.answers.size(), 2u);
    }
  }
  EXPECT_LT(r.cells[0][0].key_token_depth, r.cells[0][1].key_token_depth);
  const std::string table = eval::format_passkey_table(r, "stories260K.bin");
  EXPECT_NE(table.find("window:48"), std::string::npos);
  EXPECT_NE(table.find("/2"), std::string::npos);
}

}  // namespace
}  // namespace sinkstream
