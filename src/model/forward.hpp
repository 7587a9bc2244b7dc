// One-token forward pass entry point and its scratch buffers. The model code
// computes what the architecture says; the KvCache decides where keys live.
#pragma once

#include <cstdint>
#include <vector>

#include "cache/kv_cache.hpp"
#include "core/thread_pool.hpp"
#include "model/weights.hpp"
#include "sinkstream/model_config.hpp"

namespace sinkstream {

// Scratch for one session; sized once from the config.
struct ForwardScratch {
  explicit ForwardScratch(const ModelConfig& c);
  std::vector<float> x;      // [n_embd] residual stream
  std::vector<float> xb;     // [n_embd] normalized input of a block
  std::vector<float> q;      // [q_dim] query before rotation
  std::vector<float> k, v;   // [kv_dim] new key (rotated in place) and value
  std::vector<float> qrot;   // [n_distinct_positions * q_dim] query rotated per span position
  std::vector<float> att;    // [q_dim] attention output
  std::vector<float> proj;   // [n_embd] output projections
  std::vector<float> hb, hb2;// [n_ff] feed-forward hidden
  std::vector<float> rope_cos, rope_sin;  // [n_rot/2]
  std::vector<KvSpan> spans;
  std::vector<const float*> q_per_span;
};

// Feeds `token` at absolute position `pos`: appends its K/V to the cache and
// writes logits [n_vocab] (skipped when logits == nullptr).
void llama_forward(const ModelConfig& c, const ModelWeights& w, KvCache& cache, ThreadPool& pool,
                   ForwardScratch& s, int32_t token, int64_t pos, float* logits);

}  // namespace sinkstream
