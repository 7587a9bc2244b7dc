// StreamForward: one teacher-forced pass of a token stream through a model,
// the whole stream as one chunk over a fresh dense f32 cache, with an optional
// attention probe and layer hook; returns the mean NLL of tokens 1..n-1.
// The cache stays readable until the next run (K/V norms). Models with a
// learned sink token get it first, as a Session feeds them: the stream then
// occupies positions 0..n (sink at 0, tokens[i] at i + 1).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "backend/attention_probe.hpp"
#include "cache/kv_cache.hpp"
#include "backend/backend.hpp"
#include "model/forward.hpp"
#include "sinkstream/model.hpp"

namespace sinkstream::sinks {

class StreamForward {
 public:
  // threads: 0 = all cores.
  StreamForward(const Model& model, int32_t threads);

  // tokens: [n], n >= 2, ids in the vocabulary (Error(kRange) otherwise).
  double run(std::span<const int32_t> tokens, const backend::AttentionProbe* probe, LayerHook* hook);

  const cache::KvCache& cache() const { return *cache_; }
  // True when the model has a learned sink token (fed at position 0).
  bool has_sink_token() const;
  // Items fed per run for a stream of n tokens.
  int64_t fed_length(int64_t n) const { return n + (has_sink_token() ? 1 : 0); }

 private:
  const Model& model_;
  std::unique_ptr<backend::Backend> backend_;
  std::unique_ptr<cache::KvCache> cache_;
  ForwardScratch scratch_;
  std::vector<float> logits_;  // [n][n_vocab]
};

}  // namespace sinkstream::sinks
