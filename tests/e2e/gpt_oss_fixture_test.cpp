// gpt-oss end to end against transformers (tests/fixtures/hf/gpt_oss, made by
// tools/hf_fixtures/make_gpt_oss.py): a tiny model with 4 experts (top-2),
// learned sink logits, YaRN, and a 48-token sliding window on layer 0 over a
// 320-token input, loaded as the HF folder (both config dialects), as a GGUF
// converted to f32, and with MXFP4 experts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "api/model_access.hpp"
#include "core/row_dot.hpp"
#include "io/gguf.hpp"
#include "sinkstream/model.hpp"
#include "sinkstream/session.hpp"
#include "support/naive_cache.hpp"
#include "support/paths.hpp"

namespace sinkstream::test {
namespace {

std::string fixture() { return source_dir() + "/tests/fixtures/hf/gpt_oss"; }

struct Expect {
  std::vector<int32_t> input, greedy;  // [320], [16]
  std::vector<float> logits;           // [320][V]
};

Expect read_expect() {
  Expect e;
  const auto j = nlohmann::json::parse(read_file(fixture() + "/tokens.json"));
  e.input = j.at("input").get<std::vector<int32_t>>();
  e.greedy = j.at("greedy").get<std::vector<int32_t>>();
  const std::string b = read_file(fixture() + "/logits.bin");
  e.logits.resize(b.size() / 4);
  std::memcpy(e.logits.data(), b.data(), e.logits.size() * 4);
  return e;
}

int32_t argmax(const float* v, size_t n) { return static_cast<int32_t>(std::max_element(v, v + n) - v); }

struct Outcome {
  std::vector<float> logits;   // [input][V]
  std::vector<int32_t> greedy;  // continuation
};

// Logits of the input from one chunk of `batch` tokens at a time, then the greedy continuation.
Outcome run(const std::shared_ptr<const Model>& m, const Expect& e, int32_t batch = 64) {
  SessionOptions so;
  so.threads = 1;
  so.batch = batch;
  Session s(m, so);
  Outcome r;
  s.eval_all(e.input, &r.logits);
  const size_t V = static_cast<size_t>(m->config().n_vocab);
  const float* last = r.logits.data() + (e.input.size() - 1) * V;
  for (size_t i = 0; i < e.greedy.size(); ++i) {
    r.greedy.push_back(argmax(last, V));
    last = s.eval(r.greedy.back()).data();
  }
  return r;
}

// Rows of a and b ([rows][V] each) whose argmax agrees.
size_t top1_agreements(const std::vector<float>& a, const std::vector<float>& b, size_t V) {
  size_t agree = 0;
  for (size_t t = 0; t * V < a.size(); ++t) agree += argmax(a.data() + t * V, V) == argmax(b.data() + t * V, V);
  return agree;
}

float max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float w = 0;
  for (size_t i = 0; i < a.size(); ++i) w = std::max(w, std::fabs(a[i] - b[i]));
  return w;
}

TEST(GptOss, FixtureIsWhatTheTestsNeed) {
  const Expect e = read_expect();
  const auto m = Model::load(fixture());
  const ModelConfig& c = m->config();
  EXPECT_EQ(c.arch, "gpt-oss");
  EXPECT_EQ(c.n_expert, 4);
  EXPECT_EQ(c.n_expert_used, 2);
  EXPECT_EQ(c.rope_scaling.kind, RopeScalingKind::kYarn);
  EXPECT_FALSE(c.rope_scaling.truncate);
  EXPECT_EQ(c.sliding_window, 48);
  EXPECT_GE(e.input.size(), 256u);
  EXPECT_GT(e.input.size(), static_cast<size_t>(c.sliding_window));
  ASSERT_EQ(e.logits.size(), e.input.size() * static_cast<size_t>(c.n_vocab));
}

TEST(GptOss, HfFolderMatchesTransformers) {
  const Expect e = read_expect();
  const auto m = Model::load(fixture());
  const Outcome r = run(m, e);
  const float d = max_diff(r.logits, e.logits);
  EXPECT_LE(d, 1e-4f);
  std::printf("[ gpt_oss hf ] max |dlogit| over %zu positions = %.3g\n", e.input.size(), static_cast<double>(d));
  EXPECT_EQ(r.greedy, e.greedy);
  // Token by token (each expert run for one token) gives the bits of the batched prefill.
  const Outcome one = run(m, e, 1);
  EXPECT_EQ(one.logits, r.logits);
}

TEST(GptOss, OldConfigDialectReadsTheSameModel) {
  // config_old_dialect.json: top-level rope_theta and rope_scaling {rope_type: yarn, ...}, which
  // transformers reloaded to identical logits when the fixture was made.
  TempDir tmp;
  std::filesystem::copy_file(fixture() + "/config_old_dialect.json", tmp.file("config.json"));
  std::filesystem::create_symlink(fixture() + "/model.safetensors", tmp.file("model.safetensors"));
  const Expect e = read_expect();
  const auto old_m = Model::load(tmp.path().string());
  EXPECT_FALSE(old_m->config().rope_scaling.truncate);
  EXPECT_EQ(run(old_m, e).logits, run(Model::load(fixture()), e).logits);
}

// The converted file uses llama.cpp's gpt-oss names, transcribed from llama.cpp's
// src/llama-arch.cpp (LLM_ARCH_OPENAI_MOE's tensor map; biases add ".bias", the rest
// ".weight") and its LLM_KV keys: what another GGUF engine looks up (attention.key_length /
// value_length only when head_dim differs from n_embd / n_head, as llama.cpp defaults). (No engine here
// knows gpt-oss: the reference llama.cpp predates it, so loading there is not checked.)
TEST(GptOss, ConvertedGgufUsesLlamaCppNames) {
  TempDir tmp;
  ASSERT_EQ(run_command(binary() + " convert " + fixture() + " -o " + tmp.file("m.gguf") + " --type f32").status, 0);
  const auto f = io::gguf::File::open(tmp.file("m.gguf"));
  std::set<std::string> got;
  for (const io::gguf::TensorInfo& t : f->tensors()) {
    std::string n = t.name;
    if (n.rfind("blk.", 0) == 0) n = "blk.%d" + n.substr(n.find('.', 4));
    got.insert(n);
  }
  const std::set<std::string> llama_cpp = {
      "token_embd.weight", "output_norm.weight", "output.weight", "blk.%d.attn_norm.weight",
      "blk.%d.post_attention_norm.weight", "blk.%d.attn_q.weight", "blk.%d.attn_q.bias", "blk.%d.attn_k.weight",
      "blk.%d.attn_k.bias", "blk.%d.attn_v.weight", "blk.%d.attn_v.bias", "blk.%d.attn_output.weight",
      "blk.%d.attn_output.bias", "blk.%d.attn_sinks.weight", "blk.%d.ffn_gate_inp.weight", "blk.%d.ffn_gate_inp.bias",
      "blk.%d.ffn_gate_exps.weight", "blk.%d.ffn_gate_exps.bias", "blk.%d.ffn_down_exps.weight",
      "blk.%d.ffn_down_exps.bias", "blk.%d.ffn_up_exps.weight", "blk.%d.ffn_up_exps.bias"};
  EXPECT_EQ(got, llama_cpp);
  EXPECT_EQ(f->get_string("general.architecture"), "gpt-oss");
  for (const char* key : {"gpt-oss.block_count", "gpt-oss.context_length", "gpt-oss.embedding_length",
                          "gpt-oss.feed_forward_length", "gpt-oss.attention.head_count",
                          "gpt-oss.attention.head_count_kv", "gpt-oss.attention.layer_norm_rms_epsilon",
                          "gpt-oss.attention.sliding_window", "gpt-oss.expert_count", "gpt-oss.expert_used_count",
                          "gpt-oss.expert_feed_forward_length", "gpt-oss.rope.freq_base",
                          "gpt-oss.rope.scaling.type", "gpt-oss.rope.scaling.factor",
                          "gpt-oss.rope.scaling.original_context_length"}) {
    EXPECT_TRUE(f->has(key)) << key;
  }
}

TEST(GptOss, ConvertedGgufMatchesTransformers) {
  const Expect e = read_expect();
  TempDir tmp;
  const std::string f32 = tmp.file("m.gguf"), mx = tmp.file("m-mxfp4.gguf");
  ASSERT_EQ(run_command(binary() + " convert " + fixture() + " -o " + f32 + " --type f32").status, 0);
  const auto m = Model::load(f32);
  const Outcome r = run(m, e);
  const float d = max_diff(r.logits, e.logits);
  EXPECT_LE(d, 1e-4f);
  EXPECT_EQ(r.greedy, e.greedy);
  std::printf("[ gpt_oss gguf f32 ] max |dlogit| = %.3g\n", static_cast<double>(d));

  // MXFP4 experts (Q8_0 for the other matrices), through `quantize`.
  const CommandResult q = run_command(binary() + " quantize " + f32 + " " + mx + " mxfp4");
  ASSERT_EQ(q.status, 0) << q.err;
  const auto qm = Model::load(mx);
  EXPECT_EQ(api::ModelAccess::weights(*qm).layers[0].ffn_up_exps.type, core::DType::kMXFP4);
  const Outcome qr = run(qm, e);
  const size_t agree = top1_agreements(qr.logits, e.logits, static_cast<size_t>(qm->config().n_vocab));
  // The fixture's top-1/top-2 gaps are >= 1.96 (make_gpt_oss.py trains on a peaked chain);
  // the script's own MXFP4 transcription agreed at every position when it was made.
  EXPECT_GE(static_cast<double>(agree) / static_cast<double>(e.input.size()), 0.95) << agree << "/" << e.input.size();
  std::printf("[ gpt_oss mxfp4 ] top-1 agreement %zu/%zu, max |dlogit| = %.3g\n", agree, e.input.size(),
              static_cast<double>(max_diff(qr.logits, e.logits)));
}


// OpenAI's published checkpoint layout (U8 MXFP4 `_blocks` / `_scales` experts,
// quantization_config "mxfp4"), written from the fixture by
// tests/support/gpt_oss_openai_mxfp4.py: every expert row sinkstream loads decodes to what
// transformers' convert_moe_packed_tensors (restated there) decodes from the blocks, and the
// logits keep transformers' top-1 as the MXFP4 GGUF does.
TEST(GptOss, OpenAiMxfp4CheckpointLoadsAsMxfp4) {
  TempDir dir;
  const CommandResult r = run_command("/usr/bin/python3 " + source_dir() + "/tests/support/gpt_oss_openai_mxfp4.py " +
                                      fixture() + " " + dir.path().string());
  ASSERT_EQ(r.status, 0) << r.err;
  const auto m = Model::load(dir.path().string());
  const ModelConfig& c = m->config();
  const std::string bytes = read_file(dir.file("experts_decoded.f32"));
  std::vector<float> want(bytes.size() / 4);  // per layer: gate [E*F][D], up [E*F][D], down [E*D][F]
  std::memcpy(want.data(), bytes.data(), bytes.size());
  size_t at = 0, mismatches = 0;
  for (const auto& L : api::ModelAccess::weights(*m).layers) {
    for (const core::TensorView* t : {&L.ffn_gate_exps, &L.ffn_up_exps, &L.ffn_down_exps}) {
      ASSERT_EQ(t->type, core::DType::kMXFP4) << t->name;
      std::vector<float> row(static_cast<size_t>(t->cols));
      for (int64_t i = 0; i < t->rows; ++i) {
        core::row_dequantize_ref(t->type, t->row_ptr(i), row.data(), t->cols);
        for (const float v : row) mismatches += at < want.size() && v != want[at++] ? 1 : 0;
      }
    }
  }
  EXPECT_EQ(at, want.size());
  EXPECT_EQ(mismatches, 0u) << "expert values that differ from transformers' decoding";

  const Expect e = read_expect();
  const Outcome q = run(m, e);
  const size_t agree = top1_agreements(q.logits, e.logits, static_cast<size_t>(c.n_vocab));
  EXPECT_GE(static_cast<double>(agree) / static_cast<double>(e.input.size()), 0.95) << agree << "/" << e.input.size();
  std::printf("[ gpt_oss openai mxfp4 ] top-1 agreement %zu/%zu, max |dlogit| = %.3g\n", agree, e.input.size(),
              static_cast<double>(max_diff(q.logits, e.logits)));
}

// The fixture's 320 input ids, then a fixed LCG stream up to 2,000 ids: [2000].
std::vector<int32_t> stream_2000(int32_t n_vocab) {
  std::vector<int32_t> ids = read_expect().input;
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  while (ids.size() < 2000) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    ids.push_back(static_cast<int32_t>((x >> 33) % static_cast<uint64_t>(n_vocab)));
  }
  return ids;
}

// Every cache policy on the fixture over 2,000 tokens (its 320 input ids, then a fixed LCG stream)
// against the naive re-rotating reference cache fed one token at a time: layer 0 keeps its 48-token
// window whatever the policy, layer 1 follows the policy.
class GptOssPolicy : public ::testing::TestWithParam<const char*> {};

TEST_P(GptOssPolicy, TwoThousandTokensMatchTheNaiveReference) {
  const auto m = Model::load(fixture());
  const ModelConfig& c = m->config();
  ASSERT_EQ(c.layer_window, (std::vector<int32_t>{48, 0}));
  const std::vector<int32_t> ids = stream_2000(c.n_vocab);
  const SessionOptions o = test::session_options(GetParam(), 64);
  Session s(m, o);
  std::vector<float> fast;
  s.eval_all(ids, &fast);
  EXPECT_EQ(s.cached_kv(0).positions.size(), 48u) << GetParam();

  const float worst = max_diff_from_naive(*m, o.cache, ids, fast);
  EXPECT_LE(worst, 1e-4f) << GetParam();
  std::printf("[ gpt_oss %s ] max |dlogit| vs naive over %zu tokens = %.3g\n", GetParam(), ids.size(),
              static_cast<double>(worst));
}

INSTANTIATE_TEST_SUITE_P(Policies, GptOssPolicy, ::testing::Values("dense", "sink:4:60", "window:64", "discard:4:30"),
                         [](const ::testing::TestParamInfo<const char*>& i) { return test::policy_test_name(i.param); });

// recompute:W re-runs the last W tokens from an empty cache for every token. Its reference:
// for each t, a fresh dense session over ids[t-W+1..t] (positions 0..W-1), last logits;
// layer 0 keeps its 48-token window in both.
TEST(GptOssPolicy, RecomputeEqualsAFreshDenseSessionPerWindow) {
  const auto m = Model::load(fixture());
  const ModelConfig& c = m->config();
  const size_t V = static_cast<size_t>(c.n_vocab);
  constexpr size_t kW = 64;
  const std::vector<int32_t> ids = stream_2000(c.n_vocab);
  Session s(m, test::session_options("recompute:64", 64));
  std::vector<float> fast;  // [2000][V]
  s.eval_all(ids, &fast);
  float worst = 0;
  for (size_t t = 0; t < ids.size(); ++t) {
    const size_t from = t + 1 > kW ? t + 1 - kW : 0;
    Session ref(m, test::session_options("dense", 64));
    std::vector<float> all;
    ref.eval_all(std::span<const int32_t>(ids).subspan(from, t + 1 - from), &all);
    for (size_t i = 0; i < V; ++i) worst = std::max(worst, std::fabs(fast[t * V + i] - all[all.size() - V + i]));
  }
  EXPECT_LE(worst, 1e-4f);
  std::printf("[ gpt_oss recompute:64 ] max |dlogit| vs fresh dense windows over %zu tokens = %.3g\n", ids.size(),
              static_cast<double>(worst));
}

TEST(GptOss, SinksReportsTheLearnedSinkShareOfEveryHead) {
  TempDir tmp;
  std::string ids;
  for (const int32_t t : read_expect().input) ids += std::to_string(t) + " ";
  write_file(tmp.file("ids.txt"), ids);
  const CommandResult r = run_command(binary() + " sinks -m " + fixture() + " --ids " + tmp.file("ids.txt") +
                                      " --json " + tmp.file("s.json"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("learned sink logit share / first-token mass, every head"), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(read_file(tmp.file("s.json")));
  EXPECT_TRUE(j["model"]["has_sink_logit"].get<bool>());
  size_t heads = 0;
  for (const auto& h : j["heads"]) {
    const double share = h["sink_logit_mass"].get<double>();
    EXPECT_GT(share, 0.0);
    EXPECT_LT(share, 1.0);
    ++heads;
  }
  EXPECT_EQ(heads, 8u);
}

}  // namespace
}  // namespace sinkstream::test
