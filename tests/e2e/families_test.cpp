// Gemma 2, Gemma 3 (text), Phi-3 (LongRoPE) and Mistral with its sliding window:
// tiny random models and their logits over 256 tokens from the float64 numpy
// restatement of each model definition (tests/support/families_oracle.py, run
// with /usr/bin/python3), against sinkstream loading the HF folder, the converted
// f32 GGUF and q8_0. Every model has sliding-window layers with windows of 32-48,
// much shorter than the input. Then the streaming policies on each family against
// the naive re-rotating reference cache over 2,000 tokens, with the windowed
// layers' memory at their window. The same families are checked against
// transformers itself in hf_fixture_test, gguf_convert_test and hf_policy_test
// (tests/fixtures/hf/{mistral_swa,gemma2,gemma3,phi3}); this numpy oracle is the
// second, independent one, and the only one for Gemma 3's old config dialect.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "api/model_access.hpp"
#include "backend/cpu/cpu_backend.hpp"
#include "model/forward.hpp"
#include "sinkstream/session.hpp"
#include "support/naive_cache.hpp"
#include "support/paths.hpp"

namespace sinkstream::test {
namespace {

namespace fs = std::filesystem;

struct Oracle {
  std::vector<int32_t> ids;   // [256]
  std::vector<float> logits;  // [256][vocab]
};

// Writes the model `name` into dir and returns the oracle's ids and logits (n_tokens ids).
Oracle make_model(const TempDir& dir, const std::string& name, int n_tokens = 256) {
  const CommandResult r = run_command("/usr/bin/python3 " + source_dir() + "/tests/support/families_oracle.py " +
                                      dir.path().string() + " " + name + " " + std::to_string(n_tokens));
  if (r.status != 0) throw std::runtime_error("families_oracle.py (python3 with numpy) failed: " + r.err);
  Oracle o;
  o.ids = nlohmann::json::parse(read_file(dir.file("ids.json"))).get<std::vector<int32_t>>();
  const std::string b = read_file(dir.file("logits.bin"));
  o.logits.resize(b.size() / 4);
  std::memcpy(o.logits.data(), b.data(), b.size());
  return o;
}

std::vector<float> logits_of(const std::shared_ptr<const Model>& m, std::span<const int32_t> ids, int32_t batch,
                             const std::string& policy = "dense") {
  return test::session_logits(m, policy, batch, ids);
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

// Share of rows whose argmax agrees.
double top1_agreement(const std::vector<float>& a, const std::vector<float>& b, size_t V) {
  size_t same = 0, rows = a.size() / V;
  for (size_t r = 0; r < rows; ++r) {
    const auto ra = a.begin() + static_cast<std::ptrdiff_t>(r * V), rb = b.begin() + static_cast<std::ptrdiff_t>(r * V);
    same += (std::max_element(ra, ra + static_cast<std::ptrdiff_t>(V)) - ra) ==
            (std::max_element(rb, rb + static_cast<std::ptrdiff_t>(V)) - rb);
  }
  return static_cast<double>(same) / static_cast<double>(rows);
}

class Families : public ::testing::TestWithParam<const char*> {};

TEST_P(Families, LogitsMatchTheModelDefinitionAsHfFolderAndGguf) {
  const std::string name = GetParam();
  const TempDir dir;
  const Oracle o = make_model(dir, name);
  const auto m = Model::load(dir.path().string());
  ASSERT_FALSE(m->config().layer_window.empty()) << name << ": no windowed layer";
  const size_t V = static_cast<size_t>(m->config().n_vocab);
  ASSERT_EQ(o.logits.size(), o.ids.size() * V);

  const auto hf = logits_of(m, o.ids, 64);
  EXPECT_LE(max_abs_diff(hf, o.logits), 1e-4f) << name << " (HF folder)";
  EXPECT_EQ(top1_agreement(hf, o.logits, V), 1.0) << name;
  EXPECT_LE(max_abs_diff(logits_of(m, o.ids, 1), hf), 1e-4f) << name << " token by token";

  // The windows matter here: the same weights without them give other logits.
  auto cfg = nlohmann::json::parse(read_file(dir.file("config.json")));
  cfg.erase("sliding_window");
  cfg.erase("layer_types");
  const TempDir full;
  write_file(full.file("config.json"), cfg.dump());
  fs::copy_file(dir.file("model.safetensors"), full.file("model.safetensors"));
  EXPECT_GT(max_abs_diff(logits_of(Model::load(full.path().string()), o.ids, 64), o.logits), 1e-3f) << name;

  for (const char* type : {"f32", "q8_0"}) {
    const std::string out = dir.file(std::string("m-") + type + ".gguf");
    const CommandResult c = run_command(binary() + " convert " + dir.path().string() + " --type " + type + " -o " + out);
    ASSERT_EQ(c.status, 0) << c.err;
    const auto g = Model::load(out);
    EXPECT_EQ(g->config().layer_window, m->config().layer_window) << name << " " << type;
    const auto gl = logits_of(g, o.ids, 64);
    if (std::string(type) == "f32") {
      EXPECT_LE(max_abs_diff(gl, o.logits), 1e-4f) << name << " (GGUF f32)";
    } else {
      EXPECT_GE(top1_agreement(gl, o.logits, V), 0.95) << name << " (GGUF q8_0)";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Models, Families, ::testing::Values("gemma2", "gemma3", "gemma3_old", "phi3", "mistral_swa"));

// LongRoPE's factor list is chosen per forward call, as transformers' dynamic_rope_update
// does: a call that ends within the original context (64 here) takes the short factors,
// a longer one the long factors, whatever the model's context (1024). A 48-token input
// then differs from the first 48 rows of a 256-token one. (Before 2026-12-05 sinkstream
// took the long list for every call of such a model.)
TEST(Families, Phi3CallWithinTheOriginalContextTakesTheShortFactors) {
  const TempDir dir;
  const Oracle o = make_model(dir, "phi3", 48);
  const auto m = Model::load(dir.path().string());
  ASSERT_EQ(m->config().rope_scaling.original_context, 64);
  const auto got = logits_of(m, o.ids, 16);  // chunks of 16: the choice is per call, not per chunk
  EXPECT_LE(max_abs_diff(got, o.logits), 1e-4f);
  // The same 48 tokens at the front of a 100-token call take the long factors.
  std::vector<int32_t> longer = o.ids;
  longer.resize(100, 7);
  const auto l = logits_of(m, longer, 64);
  const std::vector<float> front(l.begin(), l.begin() + static_cast<std::ptrdiff_t>(got.size()));
  EXPECT_GT(max_abs_diff(front, got), 1e-3f);
}

using Param = std::tuple<const char*, const char*>;  // model, policy
class FamiliesStreaming : public ::testing::TestWithParam<Param> {};

TEST_P(FamiliesStreaming, TwoThousandTokensMatchTheNaiveReference) {
  const auto [name, policy] = GetParam();
  const TempDir dir;
  const Oracle o = make_model(dir, name);
  const auto m = Model::load(dir.path().string());
  const ModelConfig& c = m->config();
  const size_t V = static_cast<size_t>(c.n_vocab);
  std::vector<int32_t> ids = o.ids;
  uint64_t x = 0x9E3779B97F4A7C15ULL;  // fixed LCG stream after the oracle's ids
  while (ids.size() < 2000) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    ids.push_back(static_cast<int32_t>((x >> 33) % V));
  }
  SessionOptions so;
  so.cache = CachePolicy::parse(policy);
  so.batch = 64;
  so.threads = 2;
  Session s(m, so);
  std::vector<float> fast;
  s.eval_all(ids, &fast);
  for (int32_t l = 0; l < c.n_layer; ++l) {  // a windowed layer holds its window, whatever the policy
    if (c.window_of(l) > 0) {
      EXPECT_EQ(s.cached_kv(l).positions.size(), static_cast<size_t>(c.window_of(l))) << l;
    }
  }
  const auto naive = make_naive_cache(c, so.cache);
  backend::cpu::CpuBackend be(2);
  model::ForwardScratch scratch(c);
  scratch.call_end = static_cast<int64_t>(ids.size());  // LongRoPE: the factors of one call over ids, as Session
  std::vector<float> ref(V);
  float worst = 0;
  for (size_t t = 0; t < ids.size(); ++t) {
    model::forward_chunk(c, api::ModelAccess::weights(*m), *naive, be, scratch, std::span<const int32_t>(&ids[t], 1),
                  static_cast<int64_t>(t), ref.data(), false);
    for (size_t i = 0; i < V; ++i) worst = std::max(worst, std::fabs(fast[t * V + i] - ref[i]));
  }
  EXPECT_LE(worst, 1e-4f) << name << " " << policy;
}

INSTANTIATE_TEST_SUITE_P(Models, FamiliesStreaming,
                         ::testing::Combine(::testing::Values("gemma2", "gemma3", "phi3", "mistral_swa"),
                                            ::testing::Values("sink:4:60", "window:100", "discard:4:30")),
                         [](const ::testing::TestParamInfo<Param>& i) {
                           return std::string(std::get<0>(i.param)) + "_" + test::policy_test_name(std::get<1>(i.param));
                         });

}  // namespace
}  // namespace sinkstream::test
