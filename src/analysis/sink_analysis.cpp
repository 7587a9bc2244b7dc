#include "analysis/sink_analysis.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/activation_recorder.hpp"
#include "analysis/attention_recorder.hpp"
#include "analysis/head_mask.hpp"
#include "analysis/kv_norms.hpp"
#include "analysis/sink_rate.hpp"
#include "eval/stream_ppl.hpp"
#include "sinkstream/error.hpp"
#include "sinkstream/session.hpp"

namespace sinkstream::analysis {

namespace {

void check(const SinkOptions& o, int64_t n_tokens) {
  if (o.first < 1) throw Error(ErrorKind::kInvalidArg, "--first must be >= 1, got " + std::to_string(o.first));
  if (n_tokens <= o.first) {
    throw Error(ErrorKind::kInvalidArg, "the stream has " + std::to_string(n_tokens) +
                                            " tokens: it needs more than --first (" + std::to_string(o.first) + ")");
  }
  if (!(o.epsilon > 0.0 && o.epsilon < 1.0)) {
    throw Error(ErrorKind::kInvalidArg, "--epsilon must lie in (0, 1), got " + std::to_string(o.epsilon));
  }
}

// One teacher-forced pass of the whole stream as one chunk through a fresh
// Session over the dense f32 cache (a learned sink token, if any, first at
// position 0), with the given observers. Returns the mean NLL of tokens
// 1..n-1; *keep (optional) receives the Session so its cache can be read.
double run_pass(const std::shared_ptr<const Model>& m, std::span<const int32_t> tokens, int32_t threads,
                const AttentionProbe* probe, LayerHook* hook, std::unique_ptr<Session>* keep = nullptr) {
  SessionOptions so;
  so.threads = threads;
  so.batch = static_cast<int32_t>(std::min<size_t>(tokens.size(), INT32_MAX));
  so.attention_probe = probe;
  so.layer_hook = hook;
  auto session = std::make_unique<Session>(m, so);
  std::vector<float> logits;  // [n][n_vocab]
  session->eval_all(tokens, &logits);
  const size_t V = static_cast<size_t>(m->config().n_vocab);
  double sum = 0;
  for (size_t t = 0; t + 1 < tokens.size(); ++t) {
    sum += eval::token_nll(std::span<const float>(logits.data() + t * V, V), tokens[t + 1]);
  }
  if (keep != nullptr) *keep = std::move(session);
  return sum / static_cast<double>(tokens.size() - 1);
}

Ablation ablate(const std::shared_ptr<const Model>& m, std::span<const int32_t> tokens, const SinkOptions& o,
                double base_nll, int64_t* done, int64_t total) {
  const ModelConfig& c = m->config();
  const size_t n_heads = static_cast<size_t>(c.n_layer) * static_cast<size_t>(c.n_head);
  Ablation r;
  r.base_nll = base_nll;
  for (size_t i = 0; i < n_heads; ++i) {
    std::vector<bool> sel(n_heads, false);
    sel[i] = true;
    const HeadMask mask(c.n_head, o.first, std::move(sel));
    HeadDelta d;
    d.layer = static_cast<int32_t>(i / static_cast<size_t>(c.n_head));
    d.head = static_cast<int32_t>(i % static_cast<size_t>(c.n_head));
    d.nll = run_pass(m, tokens, o.threads, &mask, nullptr);
    d.delta = d.nll - base_nll;
    r.heads.push_back(d);
    if (o.progress) o.progress(++*done, total);
  }
  const HeadMask all(c.n_head, o.first, std::vector<bool>(n_heads, true));
  r.all_heads_nll = run_pass(m, tokens, o.threads, &all, nullptr);
  if (o.progress) o.progress(++*done, total);
  r.ranking = r.heads;
  std::stable_sort(r.ranking.begin(), r.ranking.end(),
                   [](const HeadDelta& a, const HeadDelta& b) { return a.delta > b.delta; });
  return r;
}

}  // namespace

SinkReport analyze_sinks(const std::shared_ptr<const Model>& model, std::span<const int32_t> tokens,
                         const SinkOptions& o) {
  const int64_t n = static_cast<int64_t>(tokens.size());
  check(o, n);
  const ModelConfig& c = model->config();
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= c.n_vocab) {
      throw Error(ErrorKind::kRange, "token " + std::to_string(i) + " (id " + std::to_string(tokens[i]) +
                                         ") is outside the vocabulary [0, " + std::to_string(c.n_vocab) + ")");
    }
  }
  SinkReport r;
  r.model_path = model->path();
  r.arch = c.arch;
  r.n_layer = c.n_layer;
  r.n_head = c.n_head;
  r.n_head_kv = c.n_head_kv;
  r.head_dim = c.head_dim;
  r.n_embd = c.n_embd;
  r.source = o.source;
  r.n_tokens = n;
  r.first = o.first;
  r.epsilon = o.epsilon;

  r.has_sink_logit = model->has_learned_sink_logits() || c.attn_softmax_one;
  const int64_t total = 1 + (o.ablate ? static_cast<int64_t>(c.n_layer) * c.n_head + 1 : 0);
  int64_t done = 0;

  r.has_sink_token = model->has_sink_token();
  const int64_t fed = n + (r.has_sink_token ? 1 : 0);  // positions analysed: the sink token (if any) + the stream
  r.n_positions = fed;
  r.n_queries = fed - o.first;
  AttentionRecorder att(c.n_layer, c.n_head, fed, o.first);
  ActivationRecorder act(c.n_layer, c.n_embd, fed);
  std::unique_ptr<Session> base;
  const double base_nll = run_pass(model, tokens, o.threads, &att, &act, &base);
  if (o.progress) o.progress(++done, total);
  r.nll = base_nll;
  r.heads = att.finish(r.has_sink_logit);
  const SinkRate rate = sink_rate(r.heads, c.n_layer, c.n_head, o.epsilon);
  r.sink_rate_per_layer = rate.per_layer;
  r.sink_rate = rate.overall;
  r.activations = act.finish(o.top_activations);
  r.kv_norms = kv_norms(c, *base, fed, o.first);
  if (o.ablate) r.ablation = ablate(model, tokens, o, base_nll, &done, total);
  return r;
}

}  // namespace sinkstream::analysis
