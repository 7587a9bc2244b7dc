// End-to-end: tiny Hugging Face models of every supported architecture
// (tests/fixtures/hf, made by tools/hf_fixtures/make_fixtures.py with HF
// transformers) against the logits and greedy tokens HF computed for them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "sinkstream/model.hpp"
#include "sinkstream/session.hpp"
#include "support/paths.hpp"

namespace sinkstream {
namespace {

struct Fixture {
  std::vector<int32_t> input;   // [48], or [256] for the windowed families
  std::vector<int32_t> greedy;  // [16]
  std::vector<float> logits;    // [input][vocab]
};

std::string fixture_dir(const std::string& name) { return test::source_dir() + "/tests/fixtures/hf/" + name; }

Fixture read_fixture(const std::string& dir) {
  Fixture f;
  const auto j = nlohmann::json::parse(test::read_file(dir + "/tokens.json"));
  f.input = j.at("input").get<std::vector<int32_t>>();
  f.greedy = j.at("greedy").get<std::vector<int32_t>>();
  const std::string bytes = test::read_file(dir + "/logits.bin");
  f.logits.resize(bytes.size() / sizeof(float));
  std::memcpy(f.logits.data(), bytes.data(), f.logits.size() * sizeof(float));
  return f;
}

int32_t argmax(std::span<const float> v) {
  return static_cast<int32_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

class HfFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(HfFixture, LogitsAndGreedyMatchTransformers) {
  const std::string dir = fixture_dir(GetParam());
  const Fixture fx = read_fixture(dir);
  ASSERT_TRUE(fx.input.size() == 48u || fx.input.size() == 256u) << fx.input.size();  // 256: windowed families
  ASSERT_EQ(fx.greedy.size(), 16u);

  auto model = Model::load(dir);
  EXPECT_EQ(model->format(), "hf");
  const size_t V = static_cast<size_t>(model->config().n_vocab);
  ASSERT_EQ(fx.logits.size(), fx.input.size() * V);

  SessionOptions so;
  so.threads = 1;
  Session s(model, so);
  std::vector<float> all;
  s.eval_all(fx.input, &all);
  ASSERT_EQ(all.size(), fx.logits.size());
  float worst = 0.0f;
  size_t worst_at = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    const float d = std::fabs(all[i] - fx.logits[i]);
    if (!(d <= worst)) worst = d, worst_at = i;
  }
  EXPECT_LE(worst, 1e-4f) << GetParam() << ": max |dlogit| " << worst << " at position " << worst_at / V
                          << ", token " << worst_at % V;
  RecordProperty("max_abs_dlogit", std::to_string(worst));
  std::printf("[ %s ] max |dlogit| = %.3g\n", GetParam(), static_cast<double>(worst));

  std::vector<int32_t> got;
  std::span<const float> last(all.data() + (fx.input.size() - 1) * V, V);
  for (size_t i = 0; i < fx.greedy.size(); ++i) {
    const int32_t tok = argmax(last);
    got.push_back(tok);
    last = s.eval(tok);
  }
  EXPECT_EQ(got, fx.greedy) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Archs, HfFixture,
                         ::testing::Values("llama", "llama_linear", "mistral", "qwen2", "qwen3", "gpt_neox",
                                           "gpt_neox_seq", "falcon", "mpt", "gpt2", "mistral_swa", "gemma2", "gemma3",
                                           "phi3"),
                         [](const ::testing::TestParamInfo<const char*>& i) { return std::string(i.param); });

}  // namespace
}  // namespace sinkstream
