#include "eval/stream_ppl.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "sinkstream/error.hpp"
#include "sinkstream/session.hpp"

namespace sinkstream::eval {

double token_nll(std::span<const float> logits, int32_t target) {
  if (target < 0 || static_cast<size_t>(target) >= logits.size()) {
    throw Error(ErrorKind::kRange, "token id " + std::to_string(target) + " is outside the vocabulary [0, " +
                                       std::to_string(logits.size()) + ")");
  }
  double mx = -INFINITY;
  for (const float l : logits) mx = std::max(mx, static_cast<double>(l));
  double sum = 0;
  for (const float l : logits) sum += std::exp(static_cast<double>(l) - mx);
  return mx + std::log(sum) - static_cast<double>(logits[static_cast<size_t>(target)]);
}

namespace {

SessionOptions session_options(const StreamPplOptions& o, size_t index) {
  SessionOptions so;
  so.cache = o.policies[index];
  so.threads = o.threads;
  so.device = o.device;
  so.batch = o.batch;
  so.kv_f16 = o.kv_f16;
  return so;
}

PolicyNll evaluate_policy(const std::shared_ptr<const Model>& model, std::span<const int32_t> tokens,
                          const StreamPplOptions& o, size_t index) {
  const SessionOptions so = session_options(o, index);
  Session session(model, so);
  const size_t V = static_cast<size_t>(model->config().n_vocab);
  // Token t (t < n-1) is fed; the logits after it predict token t+1.
  const int64_t n_feed = static_cast<int64_t>(tokens.size()) - 1;
  const int64_t piece = std::max<int64_t>(1, o.piece);

  PolicyNll out;
  out.policy = so.cache.to_string();
  out.nll.reserve(static_cast<size_t>(n_feed));
  std::vector<float> logits;  // [piece][n_vocab]
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  StreamProgress progress{index, o.policies.size(), out.policy, 0, n_feed, 0};
  for (int64_t begin = 0; begin < n_feed; begin += piece) {
    const int64_t n = std::min(piece, n_feed - begin);
    session.eval_all(tokens.subspan(static_cast<size_t>(begin), static_cast<size_t>(n)), &logits);
    for (int64_t i = 0; i < n; ++i) {
      const std::span<const float> row(logits.data() + static_cast<size_t>(i) * V, V);
      out.nll.push_back(token_nll(row, tokens[static_cast<size_t>(begin + i + 1)]));
    }
    if (o.progress) {
      progress.done = begin + n;
      progress.seconds = std::chrono::duration<double>(clock::now() - t0).count();
      o.progress(progress);
    }
  }
  out.seconds = std::chrono::duration<double>(clock::now() - t0).count();
  out.tokens_per_s = out.seconds > 0 ? static_cast<double>(n_feed) / out.seconds : 0.0;
  out.cache_bytes = session.cache_bytes();
  return out;
}

}  // namespace

std::vector<PolicyNll> evaluate_stream(const std::shared_ptr<const Model>& model, std::span<const int32_t> tokens,
                                       const StreamPplOptions& options) {
  if (!model) throw Error(ErrorKind::kInvalidArg, "evaluate_stream: null model");
  if (tokens.size() < 2) {
    throw Error(ErrorKind::kInvalidArg, "token stream has " + std::to_string(tokens.size()) +
                                            " token(s); perplexity needs at least 2 (one to predict)");
  }
  if (options.policies.empty()) throw Error(ErrorKind::kInvalidArg, "evaluate_stream: no cache policy given");
  // Every policy must be able to run on this model (a shifting cache on learned
  // positions is refused, say) before minutes are spent on the first one.
  for (size_t i = 0; i < options.policies.size(); ++i) Session probe(model, session_options(options, i));
  std::vector<PolicyNll> out;
  out.reserve(options.policies.size());
  for (size_t i = 0; i < options.policies.size(); ++i) out.push_back(evaluate_policy(model, tokens, options, i));
  return out;
}

}  // namespace sinkstream::eval
