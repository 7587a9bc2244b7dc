// Per-layer cache plans: a model whose layers have their own sliding windows
// (ModelConfig::layer_window) keeps window:W for those layers unless the
// session's policy keeps fewer keys (the tighter wins), and the other layers
// follow the policy. Checked on the
// mistral fixture rewritten with a 32-token window in layer 0 only (config.json
// layer_types), over 2,000 tokens, against the naive re-rotating reference
// cache (tests/support/naive_cache, which builds the same plan from the config
// itself), plus the memory of the windowed layer and `info`'s plan.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "api/model_access.hpp"
#include "backend/cpu/cpu_backend.hpp"
#include "cache/make_cache.hpp"
#include "model/forward.hpp"
#include "sinkstream/session.hpp"
#include "support/naive_cache.hpp"
#include "support/paths.hpp"

namespace sinkstream {
namespace {

constexpr int32_t kWindow = 32;

// The mistral fixture with sliding_window 32 in layer 0 and full attention in layer 1, in `dir`.
std::shared_ptr<const Model> windowed_mistral(const test::TempDir& dir) {
  const std::string src = test::source_dir() + "/tests/fixtures/hf/mistral";
  auto cfg = nlohmann::json::parse(test::read_file(src + "/config.json"));
  cfg["sliding_window"] = kWindow;
  cfg["layer_types"] = {"sliding_attention", "full_attention"};
  test::write_file(dir.file("config.json"), cfg.dump(2));
  std::filesystem::copy_file(src + "/model.safetensors", dir.file("model.safetensors"));
  return Model::load(dir.path().string());
}

std::vector<int32_t> stream_ids(int32_t vocab, size_t n) {
  std::vector<int32_t> ids;
  uint64_t x = 0x9E3779B97F4A7C15ULL;  // fixed LCG stream
  while (ids.size() < n) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    ids.push_back(static_cast<int32_t>((x >> 33) % static_cast<uint64_t>(vocab)));
  }
  return ids;
}

TEST(LayerPlan, HfLayerTypesGiveEachLayerItsWindow) {
  const test::TempDir dir;
  const auto m = windowed_mistral(dir);
  EXPECT_EQ(m->config().layer_window, (std::vector<int32_t>{kWindow, 0}));
  const auto plan = cache::cache_plan(m->config(), CachePolicy::parse("dense"));
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].policy.to_string(), "dense");
  EXPECT_EQ(plan[0].layers, std::vector<int32_t>{1});
  EXPECT_EQ(plan[1].policy.to_string(), "window:32");
  EXPECT_EQ(plan[1].layers, std::vector<int32_t>{0});
}

// A policy that keeps no more than the window takes the windowed layer too: one group.
// (sink:4:12 on Mistral's 4096 window is what transformers' pos-shift oracle checks in
// hf_streaming_oracle_test.)
TEST(LayerPlan, APolicyTighterThanTheWindowHoldsTheWindowedLayer) {
  const test::TempDir dir;
  const auto m = windowed_mistral(dir);
  for (const char* p : {"sink:4:28", "window:32", "sink:4:12", "discard:4:14"}) {
    const auto plan = cache::cache_plan(m->config(), CachePolicy::parse(p));
    ASSERT_EQ(plan.size(), 1u) << p;
    EXPECT_EQ(plan[0].policy.to_string(), p);
    EXPECT_EQ(plan[0].layers, (std::vector<int32_t>{0, 1})) << p;
  }
  for (const char* p : {"sink:4:29", "window:33", "discard:4:15"}) {  // one key more than the window
    const auto plan = cache::cache_plan(m->config(), CachePolicy::parse(p));
    ASSERT_EQ(plan.size(), 2u) << p;
    EXPECT_EQ(plan[1].policy.to_string(), "window:32") << p;
  }
}

class LayerPlanPolicy : public ::testing::TestWithParam<const char*> {};

TEST_P(LayerPlanPolicy, TwoThousandTokensMatchTheNaiveReference) {
  const test::TempDir dir;
  const auto m = windowed_mistral(dir);
  const ModelConfig& c = m->config();
  const auto ids = stream_ids(c.n_vocab, 2000);

  const SessionOptions o = test::session_options(GetParam(), 64);
  Session s(m, o);
  std::vector<float> fast;
  s.eval_all(ids, &fast);
  // The windowed layer holds its window whatever the policy; layer 1 holds what the policy keeps.
  EXPECT_EQ(s.cached_kv(0).positions.size(), static_cast<size_t>(kWindow)) << GetParam();
  const double expected = cache::cache_bytes(c, o.cache, o.batch, 2000, false);
  EXPECT_EQ(static_cast<double>(s.cache_bytes()), expected) << GetParam();

  const float worst = test::max_diff_from_naive(*m, o.cache, ids, fast);
  EXPECT_LE(worst, 1e-4f) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Policies, LayerPlanPolicy, ::testing::Values("dense", "sink:4:60", "window:48", "discard:4:30"),
                         [](const ::testing::TestParamInfo<const char*>& i) { return test::policy_test_name(i.param); });

TEST(LayerPlan, WindowedLayerMemoryStaysAtItsWindowUnderDense) {
  const test::TempDir dir;
  const auto m = windowed_mistral(dir);
  const ModelConfig& c = m->config();
  // Layer 0: window:32 with a 1-token chunk = 32 slots; layer 1: dense, 2,048 slots after 2,000 tokens.
  const double per_slot = 2.0 * c.kv_dim() * 4;
  EXPECT_EQ(cache::cache_bytes(c, CachePolicy::parse("dense"), 1, 2000, false), per_slot * (32 + 2048));
  EXPECT_EQ(cache::cache_bytes(c, CachePolicy::parse("dense"), 1, 20000, false), per_slot * (32 + 32768));
}

TEST(LayerPlan, InfoPrintsThePlan) {
  const test::TempDir dir;
  windowed_mistral(dir);
  const auto r = test::run_command(test::binary() + " info -m " + dir.path().string() + " --cache dense --tokens 2000");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("cache plan    dense over 2000 tokens"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("layers 1 (1): dense, 2048 slots, 1.00 MiB"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("layers 0 (1): window:32, 32 slots, 16.00 KiB"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace sinkstream
