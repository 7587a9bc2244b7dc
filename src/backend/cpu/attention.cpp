#include "backend/cpu/attention.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "backend/attention_probe.hpp"
#include "core/f16.hpp"

namespace sinkstream::backend::cpu {

void attention_head(const AttentionArgs& a, const QueryView& qv, int32_t h, float* scores, float* o) {
  const int32_t group = a.n_head / a.n_head_kv;
  const size_t kv_off = static_cast<size_t>(h / group) * static_cast<size_t>(a.head_dim);
  const int64_t* key_pos = a.kv.slot_pos();
  const bool f16 = a.kv.is_f16();
  size_t j = 0;
  float mx = -std::numeric_limits<float>::infinity();
  for (int32_t si = 0; si < qv.n_spans; ++si) {
    const backend::KvSpan& s = qv.spans[si];
    const float* q = qv.q[si] + static_cast<size_t>(h) * static_cast<size_t>(a.head_dim);
    for (int32_t t = 0; t < s.count; ++t) {
      const int32_t slot = s.slot_begin + t;
      float dot = 0.0f;
      if (f16) {
        const uint16_t* k = a.kv.k16(a.layer, slot) + kv_off;
        for (int32_t d = 0; d < a.head_dim; ++d) dot += q[d] * core::f16_to_f32(k[d]);
      } else {
        const float* k = a.kv.k(a.layer, slot) + kv_off;
        for (int32_t d = 0; d < a.head_dim; ++d) dot += q[d] * k[d];
      }
      float sc = dot * a.scale;
      if (a.softcap > 0.0f) sc = a.softcap * std::tanh(sc / a.softcap);
      if (a.alibi_slopes != nullptr) sc -= a.alibi_slopes[h] * static_cast<float>(s.q_rot_pos - key_pos[slot]);
      scores[j++] = sc;
      mx = std::max(mx, sc);
    }
  }
  if (a.probe != nullptr) {
    a.probe->mask(a, qv, h, scores, j);
    mx = -std::numeric_limits<float>::infinity();
    for (size_t i = 0; i < j; ++i) mx = std::max(mx, scores[i]);
  }
  float extra = -std::numeric_limits<float>::infinity();
  if (a.sink_logits != nullptr) extra = a.sink_logits[h];
  else if (a.zero_sink_logit) extra = 0.0f;
  mx = std::max(mx, extra);
  double sum = std::isinf(extra) ? 0.0 : std::exp(static_cast<double>(extra - mx));
  for (size_t i = 0; i < j; ++i) {
    scores[i] = std::exp(scores[i] - mx);
    sum += scores[i];
  }
  float inv = static_cast<float>(1.0 / sum);
  if (a.probe != nullptr) {  // normalize in place (p = scores[i] * 1.0f below: the same numbers)
    for (size_t i = 0; i < j; ++i) scores[i] *= inv;
    a.probe->observe(a, qv, h, scores, j, std::isinf(extra) ? 0.0 : std::exp(static_cast<double>(extra - mx)) / sum);
    inv = 1.0f;
  }
  std::fill(o, o + a.head_dim, 0.0f);
  j = 0;
  for (int32_t si = 0; si < qv.n_spans; ++si) {
    const backend::KvSpan& s = qv.spans[si];
    for (int32_t t = 0; t < s.count; ++t) {
      const float p = scores[j++] * inv;
      if (f16) {
        const uint16_t* v = a.kv.v16(a.layer, s.slot_begin + t) + kv_off;
        for (int32_t d = 0; d < a.head_dim; ++d) o[d] += p * core::f16_to_f32(v[d]);
      } else {
        const float* v = a.kv.v(a.layer, s.slot_begin + t) + kv_off;
        for (int32_t d = 0; d < a.head_dim; ++d) o[d] += p * v[d];
      }
    }
  }
}

void attention(const AttentionArgs& a, std::span<const QueryView> queries, float* out, core::ThreadPool& pool) {
  // An attention-probability probe (src/analysis) needs attention_head's
  // probabilities: when AttentionArgs carries one, take attention_ref here.
  const Kernels& k = active_kernels();
  // Soft-capped scores (Gemma 2) have no vector kernel either.
  if (k.is_ref() || a.probe != nullptr || a.softcap > 0.0f) attention_ref(a, queries, out, pool);
  else attention_flash(k, a, queries, out, pool);
}

void attention_ref(const AttentionArgs& a, std::span<const QueryView> queries, float* out, core::ThreadPool& pool) {
  int64_t max_keys = 0;
  for (const QueryView& qv : queries) {
    int64_t n = 0;
    for (int32_t s = 0; s < qv.n_spans; ++s) n += qv.spans[s].count;
    max_keys = std::max(max_keys, n);
  }
  const size_t qd = static_cast<size_t>(a.n_head) * static_cast<size_t>(a.head_dim);
  if (a.probe != nullptr) {
    // A probe sums per head in the order it is called. Each head therefore goes
    // to one thread, which takes the queries in stream order: the probe's sums
    // are then the same for every thread count. Split by (query, head), one
    // head's queries would reach it from several threads in an order that
    // depends on timing, and its double sums would move in the last bits.
    pool.parallel_for(a.n_head, [&](int64_t h0, int64_t h1, int) {
      std::vector<float> scores(static_cast<size_t>(max_keys));
      for (int64_t h = h0; h < h1; ++h) {
        for (size_t t = 0; t < queries.size(); ++t) {
          attention_head(a, queries[t], static_cast<int32_t>(h), scores.data(),
                         out + t * qd + static_cast<size_t>(h) * static_cast<size_t>(a.head_dim));
        }
      }
    });
    return;
  }
  const int64_t n_items = static_cast<int64_t>(queries.size()) * a.n_head;
  pool.parallel_for(n_items, [&](int64_t i0, int64_t i1, int) {
    std::vector<float> scores(static_cast<size_t>(max_keys));
    for (int64_t i = i0; i < i1; ++i) {
      const size_t t = static_cast<size_t>(i / a.n_head);
      const int32_t h = static_cast<int32_t>(i % a.n_head);
      attention_head(a, queries[t], h, scores.data(),
                     out + t * qd + static_cast<size_t>(h) * static_cast<size_t>(a.head_dim));
    }
  });
}

}  // namespace sinkstream::backend::cpu
