// Streaming after eviction against transformers: for every RoPE/ALiBi HF
// fixture, the logits of a StreamingLLM pos-shift cache computed by HF
// transformers (keys re-rotated to their cache index, float64) for an 80-token
// stream under `sink:4:12` (64 evictions), against sinkstream's Session with
// that policy, token by token and in chunks of 7.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sinkstream/session.hpp"
#include "support/paths.hpp"

namespace sinkstream {
namespace {

std::string oracle_dir() { return test::source_dir() + "/tests/fixtures/hf_streaming"; }

std::vector<float> read_f32(const std::string& path) {
  const std::string bytes = test::read_file(path);
  std::vector<float> out(bytes.size() / sizeof(float));  // [tokens * vocab] little-endian f32
  std::memcpy(out.data(), bytes.data(), out.size() * sizeof(float));
  return out;
}

SessionOptions options(const std::string& policy, int32_t batch) {
  SessionOptions o;
  o.cache = CachePolicy::parse(policy);
  o.batch = batch;
  return o;  // threads: all cores
}

class HfStreamingOracle : public ::testing::TestWithParam<const char*> {};

TEST_P(HfStreamingOracle, SinkCacheEqualsTransformersPosShift) {
  const std::string name = GetParam();
  const auto j = nlohmann::json::parse(test::read_file(oracle_dir() + "/" + name + "/ids.json"));
  const auto ids = j.at("ids").get<std::vector<int32_t>>();
  const std::string policy = j.at("policy").get<std::string>();
  const std::vector<float> oracle = read_f32(oracle_dir() + "/" + name + "/logits.bin");
  const auto m = Model::load(test::source_dir() + "/tests/fixtures/hf/" + name);
  const size_t V = static_cast<size_t>(m->config().n_vocab);
  ASSERT_EQ(oracle.size(), ids.size() * V) << name;
  ASSERT_EQ(policy, "sink:4:12");
  ASSERT_GE(ids.size(), 16u + 48u) << "fewer than 48 evictions";
  for (const int32_t batch : {1, 7}) {
    std::vector<float> got;
    Session(m, options(policy, batch)).eval_all(ids, &got);
    ASSERT_EQ(got.size(), oracle.size());
    float worst = 0;
    size_t worst_at = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      const float d = std::fabs(got[i] - oracle[i]);
      if (d > worst) {
        worst = d;
        worst_at = i;
      }
    }
    EXPECT_LE(worst, 1e-4f) << name << " batch " << batch << ": max |dlogit| " << worst << " at token "
                            << worst_at / V << " (evictions start at token 16)";
  }
}

INSTANTIATE_TEST_SUITE_P(Archs, HfStreamingOracle,
                         ::testing::Values("llama", "llama_linear", "mistral", "qwen2", "qwen3", "gpt_neox",
                                           "gpt_neox_seq", "falcon", "mpt"));

}  // namespace
}  // namespace sinkstream
