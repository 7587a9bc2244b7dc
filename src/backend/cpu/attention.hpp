// Single-query attention over a KV cache described by spans (reference path).
#pragma once

#include <cstdint>
#include <vector>

#include "cache/kv_cache.hpp"
#include "core/thread_pool.hpp"

namespace sinkstream::cpu {

struct AttentionArgs {
  int32_t layer = 0;
  int32_t n_head = 0, n_head_kv = 0, head_dim = 0;
  float scale = 1.0f;                   // usually 1/sqrt(head_dim)
  const KvCache* cache = nullptr;
  const std::vector<KvSpan>* spans = nullptr;
  // Query per span, already rotated at that span's q_rot_pos: q_per_span[s] -> [n_head * head_dim].
  const std::vector<const float*>* q_per_span = nullptr;
  const float* alibi_slopes = nullptr;  // [n_head] or null: score -= slope * (q_rot_pos - key_pos)
  const float* sink_logits = nullptr;   // [n_head] or null: one extra logit with no value
  bool zero_sink_logit = false;         // softmax-off-by-one: an extra logit fixed at 0
};

// out: [n_head * head_dim]. Parallel over heads.
void attention(const AttentionArgs& a, float* out, ThreadPool& pool);

}  // namespace sinkstream::cpu
