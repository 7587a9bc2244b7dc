// What an attention call computes, for every backend: a chunk of queries, each
// with its spans of KV slots (kv_view.hpp) and one rotated copy of the query
// per span, over one layer of KV storage, with the model's attention options.
#pragma once

#include <cstdint>

#include "backend/kv_view.hpp"

namespace sinkstream::backend {

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
  float softcap = 0.0f;                 // > 0: each scaled score s becomes softcap * tanh(s / softcap) (Gemma 2)
  KvView kv;                            // the cache rows and slot positions to attend over
  const float* alibi_slopes = nullptr;  // [n_head] or null: score -= slope * (q_rot_pos - key_pos)
  const float* sink_logits = nullptr;   // [n_head] or null: one extra logit with no value
  bool zero_sink_logit = false;         // softmax-off-by-one: an extra logit fixed at 0
  const AttentionProbe* probe = nullptr;  // analysis only: sees / masks each softmax (reference path)
};

}  // namespace sinkstream::backend
