// StreamForward: one teacher-forced pass of a token stream through a model,
// the whole stream as one chunk over a fresh dense f32 cache, with an optional
// attention probe and layer hook; returns the mean NLL of tokens 1..n-1.
// The cache stays readable until the next run (K/V norms).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "backend/cpu/attention_probe.hpp"
#include "cache/kv_cache.hpp"
#include "core/thread_pool.hpp"
#include "model/forward.hpp"
#include "sinkstream/model.hpp"

namespace sinkstream::sinks {

class StreamForward {
 public:
  // threads: 0 = all cores.
  StreamForward(const Model& model, int32_t threads);

  // tokens: [n], n >= 2, ids in the vocabulary (Error(kRange) otherwise).
  double run(std::span<const int32_t> tokens, const cpu::AttentionProbe* probe, LayerHook* hook);

  const KvCache& cache() const { return *cache_; }

 private:
  const Model& model_;
  ThreadPool pool_;
  std::unique_ptr<KvCache> cache_;
  ForwardScratch scratch_;
  std::vector<float> logits_;  // [n][n_vocab]
};

}  // namespace sinkstream::sinks
