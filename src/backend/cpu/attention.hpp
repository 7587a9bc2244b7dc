// Attention of a chunk of queries over a KV cache described by per-query spans
// (reference path; the flash-decoding kernel of the CPU performance issue is
// tested against it).
#pragma once

#include <cstdint>
#include <vector>

#include "cache/kv_cache.hpp"
#include "core/thread_pool.hpp"

namespace sinkstream::cpu {

class AttentionProbe;  // attention_probe.hpp

// What one query attends to: spans of cache slots, each scored with the query
// rotated at that span's q_rot_pos (q[s] -> [n_head * head_dim]).
struct QueryView {
  const KvSpan* spans = nullptr;
  int32_t n_spans = 0;
  const float* const* q = nullptr;  // [n_spans] pointers
};

struct AttentionArgs {
  int32_t layer = 0;
  int32_t n_head = 0, n_head_kv = 0, head_dim = 0;
  float scale = 1.0f;                   // usually 1/sqrt(head_dim)
  const KvCache* cache = nullptr;
  const float* alibi_slopes = nullptr;  // [n_head] or null: score -= slope * (q_rot_pos - key_pos)
  const float* sink_logits = nullptr;   // [n_head] or null: one extra logit with no value
  bool zero_sink_logit = false;         // softmax-off-by-one: an extra logit fixed at 0
  const AttentionProbe* probe = nullptr;  // analysis only: sees / masks each softmax (reference path)
};

// queries: [T]; out: [T][n_head * head_dim]. Parallel over (query, head).
void attention(const AttentionArgs& a, const std::vector<QueryView>& queries, float* out, ThreadPool& pool);

// One head of one query: the softmax-weighted value sum -> out [head_dim].
// scores: scratch of at least the total span length.
void attention_head(const AttentionArgs& a, const QueryView& qv, int32_t h, float* scores, float* out);

}  // namespace sinkstream::cpu
