// Streaming perplexity: one token stream evaluated under several cache
// policies by teacher forcing. Each policy gets its own Session; the stream is
// fed through Session::eval_all in pieces so that at most `piece` rows of
// logits ([piece][n_vocab] floats) are held at a time, whatever the stream length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sinkstream/backend.hpp"
#include "sinkstream/cache_policy.hpp"
#include "sinkstream/model.hpp"

namespace sinkstream::eval {

// Natural-log negative log-likelihood of `target` under logits ([n_vocab]),
// by log-sum-exp in double: log(sum_j exp(l_j)) - l_target. Throws
// Error(kRange) when target is outside [0, n_vocab).
double token_nll(std::span<const float> logits, int32_t target);

struct StreamProgress {
  size_t policy_index = 0;  // 0-based, in StreamPplOptions::policies order
  size_t n_policies = 0;
  std::string policy;       // canonical policy string
  int64_t done = 0;         // tokens fed so far under this policy
  int64_t total = 0;        // tokens this policy will feed (stream length - 1)
  double seconds = 0;       // wall time spent on this policy so far
};

struct StreamPplOptions {
  std::vector<CachePolicy> policies;
  int32_t threads = 0;   // 0 = all cores
  Device device = Device::kCpu;  // SessionOptions::device
  int32_t batch = 64;    // SessionOptions::batch: tokens per forward chunk
  bool kv_f16 = false;
  int64_t piece = 2048;  // tokens per eval_all call (bounds the logits buffer)
  std::function<void(const StreamProgress&)> progress;  // called after every piece; may be empty
};

struct PolicyNll {
  std::string policy;        // canonical policy string
  std::vector<double> nll;   // [n_tokens - 1]: nll[t] = -log p(token t+1 | tokens 0..t)
  double seconds = 0;        // wall time of the teacher-forced pass
  double tokens_per_s = 0;   // tokens fed per second
  size_t cache_bytes = 0;    // K/V bytes the session's cache held at the end
};

// Evaluates `tokens` ([n_tokens], n_tokens >= 2) under every policy, in order.
// A policy the model cannot run (Session throws) is refused before any runs.
// The ids must lie in the model's vocabulary (the Session checks; Error(kRange)).
std::vector<PolicyNll> evaluate_stream(const std::shared_ptr<const Model>& model, std::span<const int32_t> tokens,
                                       const StreamPplOptions& options);

}  // namespace sinkstream::eval
