// `sinkstream sinks` on a tiny llama2.c model with a planted sink: head 1 of
// layer 0 has a query and a first-token key aligned on the lowest-frequency
// RoPE pair, so it puts almost all its mass on position 0. The command must
// find exactly that head, with masses, sink rate and ablation deltas equal to
// an independent full-attention computation (support/plain_llama).
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "api/model_access.hpp"
#include "model/formats/gguf_export.hpp"
#include "model/weights.hpp"
#include "sinkstream/model.hpp"
#include "sinkstream/session.hpp"
#include "support/llama2c_builder.hpp"
#include "support/paths.hpp"
#include "support/plain_llama.hpp"
#include "support/sinks_check.hpp"

namespace sinkstream::test {
namespace {

using model::formats::export_gguf;
using model::formats::GgufExportOptions;

constexpr int32_t kSinkLayer = 0, kSinkHead = 1;
constexpr size_t kTokens = 48;

// Every token carries a constant channel 0; only token 1 (the stream's first)
// has channel 1. Head 1 of layer 0 reads channel 0 into its query and channel 1
// into its key, both on the head's last rotary pair (angle < 0.02 rad over the stream).
Llama2cBuilder planted() {
  Llama2cBuilder b(Llama2cDims{}, 7, 0.2f);
  const Llama2cDims& d = b.dims();
  const int32_t D = d.dim, hd = d.dim / d.n_heads;
  float* e = b.tensor("embed");
  for (int32_t v = 0; v < d.vocab; ++v) {
    e[v * D + 0] = 1.0f;
    e[v * D + 1] = v == 1 ? 4.0f : 0.0f;
  }
  float* wq = b.tensor("wq", kSinkLayer);
  float* wk = b.tensor("wk", kSinkLayer);
  const int32_t row = kSinkHead * hd + hd - 2;
  for (int32_t r : {row, row + 1}) {
    for (int32_t c = 0; c < D; ++c) wq[r * D + c] = wk[r * D + c] = 0.0f;
  }
  wq[row * D + 0] = 3.0f;
  wk[row * D + 1] = 3.0f;
  return b;
}

std::vector<int32_t> stream() {
  std::vector<int32_t> ids{1};
  for (size_t i = 1; i < kTokens; ++i) ids.push_back(2 + static_cast<int32_t>((i * 7 + 3) % 14));
  return ids;
}

// Mean attention of queries q >= first on key position 0, per (layer, head), from full matrices.
std::vector<double> first_token_mass(const std::vector<std::vector<double>>& att, size_t n, size_t first) {
  std::vector<double> m;
  for (const auto& a : att) {
    double s = 0;
    for (size_t q = first; q < n; ++q) s += a[q * n + 0];
    m.push_back(s / static_cast<double>(n - first));
  }
  return m;
}

struct Fixture {
  TempDir dir;
  std::string model, ids;
  std::vector<int32_t> tokens = stream();
  Fixture() : model(dir.file("planted.bin")), ids(dir.file("ids.txt")) {
    planted().save(model);
    write_ids(ids, tokens);
  }
};

TEST(SinksPlanted, FindsExactlyThePlantedHead) {
  Fixture f;
  const SinksRun run = run_sinks("-m " + f.model + " --ids " + f.ids + " --first 1 -t 2", f.dir);
  ASSERT_EQ(run.cmd.status, 0) << run.cmd.err;
  EXPECT_EQ(sinks_schema_errors(run.json), "");

  const auto model = Model::load(f.model);
  std::vector<std::vector<double>> att;
  PlainProbe probe;
  probe.attention = &att;
  plain_llama_run(*model, f.tokens, probe);
  const std::vector<double> mass = first_token_mass(att, kTokens, 1);
  // The plant works: only that head crosses epsilon in the independent computation.
  for (size_t i = 0; i < mass.size(); ++i) {
    EXPECT_EQ(mass[i] > 0.3, i == static_cast<size_t>(kSinkLayer * 2 + kSinkHead)) << "head " << i << " " << mass[i];
  }
  EXPECT_GT(mass[kSinkLayer * 2 + kSinkHead], 0.99);

  const auto& sinks = run.json["sink_heads"];
  ASSERT_EQ(sinks.size(), 1u) << sinks.dump();
  EXPECT_EQ(sinks[0]["layer"], kSinkLayer);
  EXPECT_EQ(sinks[0]["head"], kSinkHead);
  for (int32_t l = 0; l < 2; ++l) {
    for (int32_t h = 0; h < 2; ++h) {
      const auto* jh = find_head(run.json, l, h);
      ASSERT_NE(jh, nullptr);
      EXPECT_NEAR((*jh)["first_token_mass"].get<double>(), mass[static_cast<size_t>(l * 2 + h)], 1e-5);
      EXPECT_EQ((*jh)["is_sink"].get<bool>(), l == kSinkLayer && h == kSinkHead);
      EXPECT_TRUE((*jh)["sink_logit_mass"].is_null());
    }
  }
  EXPECT_DOUBLE_EQ(run.json["sink_rate"]["overall"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(run.json["sink_rate"]["per_layer"][0].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(run.json["sink_rate"]["per_layer"][1].get<double>(), 0.0);
  EXPECT_EQ(run.json["stream"]["n_queries"], static_cast<int>(kTokens) - 1);
  // The summary lists the planted head first.
  EXPECT_NE(run.cmd.out.find("first-token mass"), std::string::npos);
  const size_t table = run.cmd.out.find("top key positions");
  ASSERT_NE(table, std::string::npos);
  EXPECT_EQ(run.cmd.out.find("L0 H1", table), run.cmd.out.find("  L", table) + 2) << run.cmd.out;
  EXPECT_NE(run.cmd.out.find("sink rate (first-token mass > 0.3): 0.250 (1 of 4 heads)"), std::string::npos)
      << run.cmd.out;
}

TEST(SinksPlanted, AblationDeltaEqualsTwoMaskedRuns) {
  Fixture f;
  const int32_t K = 2;
  const SinksRun run = run_sinks("-m " + f.model + " --ids " + f.ids + " --first 2 --ablate -t 2", f.dir);
  ASSERT_EQ(run.cmd.status, 0) << run.cmd.err;
  EXPECT_EQ(sinks_schema_errors(run.json), "");
  const auto model = Model::load(f.model);
  const int32_t V = model->config().n_vocab;
  const double base = mean_nll(plain_llama_logits(*model, f.tokens), f.tokens, V);
  auto masked_nll = [&](int32_t layer, int32_t head) {  // head < 0: every head
    PlainProbe p;
    p.removed = [=](int32_t l, int32_t h, size_t q, size_t k) {
      return (head < 0 || (l == layer && h == head)) && q >= static_cast<size_t>(K) && k < static_cast<size_t>(K);
    };
    return mean_nll(plain_llama_run(*model, f.tokens, p), f.tokens, V);
  };
  const auto& ab = run.json["ablation"];
  EXPECT_NEAR(ab["base_nll"].get<double>(), base, 2e-5);
  for (const auto& d : ab["heads"]) {
    const double expect = masked_nll(d["layer"].get<int32_t>(), d["head"].get<int32_t>()) - base;
    EXPECT_NEAR(d["delta"].get<double>(), expect, 2e-5) << d.dump();
  }
  // Not vacuous: the planted head's removal changes the NLL visibly.
  EXPECT_GT(std::fabs(masked_nll(kSinkLayer, kSinkHead) - base), 1e-3);
  EXPECT_NEAR(ab["all_heads_delta"].get<double>(), masked_nll(0, -1) - base, 2e-5);
  // Ranked by delta, largest first.
  for (size_t i = 1; i < ab["ranking"].size(); ++i) {
    EXPECT_GE(ab["ranking"][i - 1]["delta"].get<double>(), ab["ranking"][i]["delta"].get<double>());
  }
}

TEST(SinksPlanted, LearnedSinkLogitMass) {
  Fixture f;
  const auto src = Model::load(f.model);
  model::ModelWeights w = api::ModelAccess::weights(*src);
  ModelConfig c = src->config();
  const std::vector<float> logits{1.5f, -0.5f};  // [n_head], the same in both layers
  for (size_t l = 0; l < w.layers.size(); ++l) {
    core::TensorView& t = w.layers[l].attn_sinks;
    t.name = "blk." + std::to_string(l) + ".attn_sinks.weight";
    t.type = core::DType::kF32;
    t.data = logits.data();
    t.rows = 1;
    t.cols = c.n_head;
  }
  const std::string gguf = f.dir.file("learned.gguf");
  export_gguf(c, w, gguf, GgufExportOptions{});
  const SinksRun run = run_sinks("-m " + gguf + " --ids " + f.ids + " --first 1 -t 2", f.dir);
  ASSERT_EQ(run.cmd.status, 0) << run.cmd.err;
  EXPECT_EQ(sinks_schema_errors(run.json), "");
  EXPECT_TRUE(run.json["model"]["has_sink_logit"].get<bool>());

  const auto model = Model::load(gguf);
  std::vector<std::vector<double>> att, extra;
  PlainProbe p;
  p.attention = &att;
  p.extra = &extra;
  plain_llama_run(*model, f.tokens, p);
  const std::vector<double> mass = first_token_mass(att, kTokens, 1);
  for (int32_t l = 0; l < 2; ++l) {
    for (int32_t h = 0; h < 2; ++h) {
      const size_t i = static_cast<size_t>(l * 2 + h);
      double e = 0;
      for (size_t q = 1; q < kTokens; ++q) e += extra[i][q];
      e /= static_cast<double>(kTokens - 1);
      EXPECT_GT(e, 0.0);
      const auto* jh = find_head(run.json, l, h);
      ASSERT_NE(jh, nullptr);
      EXPECT_NEAR((*jh)["sink_logit_mass"].get<double>(), e, 1e-5);
      EXPECT_NEAR((*jh)["first_token_mass"].get<double>(), mass[i], 1e-5);
    }
  }
}

TEST(SinksPlanted, LearnedSinkTokenIsFedFirstLikeASession) {
  Fixture f;
  const auto src = Model::load(f.model);
  model::ModelWeights w = api::ModelAccess::weights(*src);
  const ModelConfig c = src->config();
  std::vector<float> sink(static_cast<size_t>(c.n_embd));
  for (size_t i = 0; i < sink.size(); ++i) sink[i] = 0.5f * std::cos(static_cast<float>(i));
  w.sink_token_embd.name = "sink_token_embd.weight";
  w.sink_token_embd.type = core::DType::kF32;
  w.sink_token_embd.data = sink.data();
  w.sink_token_embd.rows = 1;
  w.sink_token_embd.cols = c.n_embd;
  const std::string gguf = f.dir.file("sinktoken.gguf");
  export_gguf(c, w, gguf, GgufExportOptions{});
  const SinksRun run = run_sinks("-m " + gguf + " --ids " + f.ids + " --first 1 --ablate -t 2", f.dir);
  ASSERT_EQ(run.cmd.status, 0) << run.cmd.err;
  EXPECT_EQ(sinks_schema_errors(run.json), "");
  EXPECT_TRUE(run.json["model"]["has_sink_token"].get<bool>());
  EXPECT_EQ(run.json["stream"]["n_tokens"], static_cast<int>(kTokens));
  EXPECT_EQ(run.json["stream"]["n_positions"], static_cast<int>(kTokens) + 1);
  // The NLL of the stream is a Session's (which feeds the sink token itself).
  const auto model = Model::load(gguf);
  ASSERT_TRUE(!api::ModelAccess::weights(*model).sink_token_embd.empty());
  Session session(model, SessionOptions{});
  std::vector<float> logits;
  session.eval_all(f.tokens, &logits);
  EXPECT_NEAR(run.json["stream"]["nll"].get<double>(), mean_nll(logits, f.tokens, c.n_vocab), 1e-5);
}

TEST(SinksPlanted, BadArgumentsGetOneLineErrors) {
  Fixture f;
  const std::string m = " -m " + f.model;
  struct Case {
    std::string args, needle;
  } cases[] = {
      {m, "--text or --ids"},
      {m + " --ids " + f.ids + " --ctx 4 --first 4", "more than --first"},
      {m + " --ids " + f.dir.file("missing.txt"), "missing.txt"},
      {m + " --ids " + f.ids + " --json /nonexistent-dir/x.json", "does not exist"},
  };
  for (const Case& k : cases) {
    const CommandResult r = run_command(binary() + " sinks" + k.args);
    EXPECT_EQ(r.status, 1) << k.args << "\n" << r.err;
    EXPECT_NE(r.err.find(k.needle), std::string::npos) << k.args << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  write_file(f.dir.file("bad.txt"), "1 2 99\n");
  const CommandResult r = run_command(binary() + " sinks" + m + " --ids " + f.dir.file("bad.txt"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("99"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sinkstream::test
