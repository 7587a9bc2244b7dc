#include "backend/cpu/attention.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sinkstream::cpu {

void attention(const AttentionArgs& a, float* out, ThreadPool& pool) {
  const std::vector<KvSpan>& spans = *a.spans;
  int64_t total = 0;
  for (const auto& s : spans) total += s.count;
  const int32_t group = a.n_head / a.n_head_kv;
  const int64_t* key_pos = a.cache->slot_pos();

  pool.parallel_for(a.n_head, [&](int64_t h0, int64_t h1, int) {
    std::vector<float> scores(static_cast<size_t>(total));
    for (int64_t h = h0; h < h1; ++h) {
      const int32_t kvh = static_cast<int32_t>(h) / group;
      const size_t kv_off = static_cast<size_t>(kvh) * static_cast<size_t>(a.head_dim);
      // Scores over every span, concatenated.
      size_t j = 0;
      float mx = -std::numeric_limits<float>::infinity();
      for (size_t si = 0; si < spans.size(); ++si) {
        const KvSpan& s = spans[si];
        const float* q = (*a.q_per_span)[si] + h * a.head_dim;
        for (int32_t t = 0; t < s.count; ++t) {
          const int32_t slot = s.slot_begin + t;
          const float* k = a.cache->k(a.layer, slot) + kv_off;
          float dot = 0.0f;
          for (int32_t d = 0; d < a.head_dim; ++d) dot += q[d] * k[d];
          float sc = dot * a.scale;
          if (a.alibi_slopes != nullptr) {
            sc -= a.alibi_slopes[h] * static_cast<float>(s.q_rot_pos - key_pos[slot]);
          }
          scores[j++] = sc;
          mx = std::max(mx, sc);
        }
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
      const float inv = static_cast<float>(1.0 / sum);
      float* o = out + h * a.head_dim;
      std::fill(o, o + a.head_dim, 0.0f);
      j = 0;
      for (const KvSpan& s : spans) {
        for (int32_t t = 0; t < s.count; ++t) {
          const float p = scores[j++] * inv;
          const float* v = a.cache->v(a.layer, s.slot_begin + t) + kv_off;
          for (int32_t d = 0; d < a.head_dim; ++d) o[d] += p * v[d];
        }
      }
    }
  });
}

}  // namespace sinkstream::cpu
