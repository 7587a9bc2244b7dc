// Every architecture with relative positions (RoPE, ALiBi) under the cache
// policies: the fast path (ring buffers, per-query spans, batched prefill)
// against the naive re-rotating reference cache (tests/support/naive_cache),
// fed one token at a time through the same family forward. Uses the HF fixture
// models and their token sequences (extended to 64 tokens so windows evict).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "api/model_access.hpp"
#include "backend/cpu/cpu_backend.hpp"
#include "model/forward.hpp"
#include "sinkstream/error.hpp"
#include "sinkstream/session.hpp"
#include "support/naive_cache.hpp"
#include "support/paths.hpp"

namespace sinkstream {
namespace {

std::string fixture_dir(const std::string& name) { return test::source_dir() + "/tests/fixtures/hf/" + name; }

// The fixture's input ids followed by its 16 greedy ids: [64], or [272] for the
// windowed families (256 input ids).
std::vector<int32_t> fixture_tokens(const std::string& name) {
  const auto j = nlohmann::json::parse(test::read_file(fixture_dir(name) + "/tokens.json"));
  std::vector<int32_t> ids = j.at("input").get<std::vector<int32_t>>();
  for (const int32_t t : j.at("greedy").get<std::vector<int32_t>>()) ids.push_back(t);
  return ids;
}

float max_abs_diff(const float* a, const float* b, size_t n) {
  float m = 0;
  for (size_t i = 0; i < n; ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

using Param = std::tuple<const char*, const char*>;  // fixture, policy
class HfPolicy : public ::testing::TestWithParam<Param> {};

void check_against_naive(const char* name, const char* policy, const std::vector<int32_t>& ids);

TEST_P(HfPolicy, FastPathMatchesNaiveReRotatingCache) {
  const auto [name, policy] = GetParam();
  check_against_naive(name, policy, fixture_tokens(name));
}

// The acceptance run of the cache issue: 2,100 tokens through 64-slot caches.
class HfPolicyLong : public ::testing::TestWithParam<Param> {};

TEST_P(HfPolicyLong, TwoThousandTokensThroughSixtyFourSlots) {
  const auto [name, policy] = GetParam();
  std::vector<int32_t> ids = fixture_tokens(name);
  const int32_t vocab = Model::load(fixture_dir(name))->config().n_vocab;
  uint64_t x = 0x9E3779B97F4A7C15ULL;  // fixed LCG stream of ids after the fixture's own
  while (ids.size() < 2100) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    ids.push_back(static_cast<int32_t>((x >> 33) % static_cast<uint64_t>(vocab)));
  }
  check_against_naive(name, policy, ids);

  // A layer with a model-defined window W keeps exactly W keys when the policy would
  // keep more (the tighter wins: mistral's 4096 gives way to these 64-slot policies).
  const auto m = Model::load(fixture_dir(name));
  SessionOptions so;
  so.cache = CachePolicy::parse(policy);
  so.threads = 2;
  Session s(m, so);
  std::vector<float> all;
  s.eval_all(ids, &all);
  for (int32_t l = 0; l < m->config().n_layer; ++l) {
    const int32_t w = m->config().window_of(l);
    if (w > 0 && so.cache.live_keys(static_cast<int64_t>(ids.size())) > w) {
      EXPECT_EQ(s.cached_kv(l).positions.size(), static_cast<size_t>(w)) << name << " layer " << l;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Archs, HfPolicyLong,
    ::testing::Combine(::testing::Values("llama", "llama_linear", "mistral", "qwen2", "qwen3", "gpt_neox",
                                         "gpt_neox_seq", "falcon", "mpt", "mistral_swa", "gemma2", "gemma3", "phi3"),
                       ::testing::Values("sink:4:60", "window:64", "discard:4:30")),
    [](const ::testing::TestParamInfo<Param>& i) {
      return std::string(std::get<0>(i.param)) + "_" + test::policy_test_name(std::get<1>(i.param));
    });

void check_against_naive(const char* name, const char* policy, const std::vector<int32_t>& ids) {
  const auto m = Model::load(fixture_dir(name));
  const ModelConfig& c = m->config();
  const size_t V = static_cast<size_t>(c.n_vocab);

  const auto fast = test::session_logits(m, policy, 64, ids);
  const auto stepwise = test::session_logits(m, policy, 1, ids);
  EXPECT_LE(max_abs_diff(fast.data(), stepwise.data(), fast.size()), 1e-4f) << name << " " << policy << " batch";

  const auto naive_cache = test::make_naive_cache(c, CachePolicy::parse(policy));
  cache::KvCache& naive = *naive_cache;
  backend::cpu::CpuBackend be(2);
  model::ForwardScratch scratch(c);
  scratch.call_end = static_cast<int64_t>(ids.size());  // LongRoPE: the factors of one call over ids, as Session
  std::vector<float> ref(V);
  float worst = 0;
  for (size_t t = 0; t < ids.size(); ++t) {
    model::forward_chunk(c, api::ModelAccess::weights(*m), naive, be, scratch, std::span<const int32_t>(&ids[t], 1),
                  static_cast<int64_t>(t), ref.data(), false);
    worst = std::max(worst, max_abs_diff(fast.data() + t * V, ref.data(), V));
  }
  EXPECT_LE(worst, 1e-4f) << name << " " << policy;
}

INSTANTIATE_TEST_SUITE_P(
    Archs, HfPolicy,
    ::testing::Combine(::testing::Values("llama", "llama_linear", "mistral", "qwen2", "qwen3", "gpt_neox",
                                         "gpt_neox_seq", "falcon", "mpt"),
                       ::testing::Values("sink:4:12", "window:16", "discard:4:8")),
    [](const ::testing::TestParamInfo<Param>& i) {
      return std::string(std::get<0>(i.param)) + "_" + test::policy_test_name(std::get<1>(i.param));
    });

TEST(HfPolicy, LearnedPositionsStopAtTheTrainedContext) {
  const auto m = Model::load(fixture_dir("gpt2"));
  ASSERT_EQ(m->config().n_ctx_train, 128);
  std::vector<int32_t> ids(129, 7);
  SessionOptions o;
  o.threads = 1;
  Session s(m, o);
  try {
    std::vector<float> out;
    s.eval_all(ids, &out);
    FAIL() << "no error past the learned positions";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kRange);
    EXPECT_NE(std::string(e.what()).find("transformer.wpe.weight"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sinkstream
