// An optional observer of the reference attention (every backend must honour it
// or refuse: the CPU backend takes its reference path when one is attached), for analysis (`sinkstream
// sinks`): it sees each (layer, query, head) softmax and may remove keys before
// it. Normal runs pass none (AttentionArgs::probe == nullptr) and pay one
// pointer test per (query, head).
//
// Keys arrive in span order: the slots of qv.spans[0], then qv.spans[1], ...;
// key i's cache slot and position come from key_slot() / a.kv.slot_pos().
// Methods are called from worker threads, concurrently for different
// (query, head) pairs of one layer: implementations synchronize their own state.
#pragma once

#include <cstddef>
#include <cstdint>

#include "backend/attention_args.hpp"

namespace sinkstream::backend {

class AttentionProbe {
 public:
  virtual ~AttentionProbe() = default;

  // Before the softmax. scores: [n] scaled scores (ALiBi applied); set an entry
  // to -infinity to remove that key. At least one key (or the model's extra sink
  // logit) must remain.
  virtual void mask(const AttentionArgs& a, const QueryView& qv, int32_t h, float* scores, size_t n) const {
    (void)a, (void)qv, (void)h, (void)scores, (void)n;
  }

  // After the softmax. p: [n] probabilities in the same order; extra: the
  // probability taken by the learned / fixed-zero sink logit (0 without one).
  virtual void observe(const AttentionArgs& a, const QueryView& qv, int32_t h, const float* p, size_t n,
                       double extra) const {
    (void)a, (void)qv, (void)h, (void)p, (void)n, (void)extra;
  }
};

// The cache slot of key i (span order) of a query view; i < total span length.
inline int32_t key_slot(const QueryView& qv, size_t i) {
  for (int32_t s = 0; s < qv.n_spans; ++s) {
    const size_t n = static_cast<size_t>(qv.spans[s].count);
    if (i < n) return qv.spans[s].slot_begin + static_cast<int32_t>(i);
    i -= n;
  }
  return -1;
}

}  // namespace sinkstream::backend
