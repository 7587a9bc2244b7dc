#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "backend/cpu/attention.hpp"

namespace sinkstream::cpu {

namespace {

// One work item: query t, kv head g, keys [k0, k1) of the query's span order.
struct FlashItem {
  int32_t t, g;
  int32_t k0, k1;
};

// Converts one cached row (f32 or f16) to f32: dst [hd].
inline void load_row(const Kernels& k, bool f16, const float* src32, const uint16_t* src16, float* dst, int32_t hd) {
  if (f16) {
    std::fill(dst, dst + hd, 0.0f);
    k.axpy_f16(1.0f, src16, dst, hd);
  } else {
    std::copy(src32, src32 + hd, dst);
  }
}

// Scores, exps and value sums of one item for its G heads -> part [G][hd + 2]
// (acc[hd], max, sum). scores: scratch [G][k1 - k0]; row: scratch [hd].
void flash_item(const Kernels& k, const AttentionArgs& a, const QueryView& qv, const FlashItem& it, float* scores,
                float* row, float* part) {
  const int32_t G = a.n_head / a.n_head_kv, hd = a.head_dim;
  const size_t kv_off = static_cast<size_t>(it.g) * static_cast<size_t>(hd);
  const int64_t* key_pos = a.cache->slot_pos();
  const bool f16 = a.cache->is_f16();
  const int32_t n = it.k1 - it.k0;
  // Pass 1: scores [G][n], each key converted once for the group.
  int32_t off = 0, j = 0;
  for (int32_t si = 0; si < qv.n_spans && off < it.k1; ++si) {
    const KvSpan& s = qv.spans[si];
    const int32_t b = std::max(it.k0, off), e = std::min(it.k1, off + s.count);
    for (int32_t i = b; i < e; ++i, ++j) {
      const int32_t slot = s.slot_begin + (i - off);
      load_row(k, f16, f16 ? nullptr : a.cache->k(a.layer, slot) + kv_off,
               f16 ? a.cache->k16(a.layer, slot) + kv_off : nullptr, row, hd);
      for (int32_t gi = 0; gi < G; ++gi) {
        const int32_t h = it.g * G + gi;
        const float* q = qv.q[si] + static_cast<size_t>(h) * static_cast<size_t>(hd);
        float sc = k.dot_f32(q, row, hd) * a.scale;
        if (a.alibi_slopes != nullptr) sc -= a.alibi_slopes[h] * static_cast<float>(s.q_rot_pos - key_pos[slot]);
        scores[static_cast<size_t>(gi) * static_cast<size_t>(n) + static_cast<size_t>(j)] = sc;
      }
    }
    off += s.count;
  }
  const size_t stride = static_cast<size_t>(hd) + 2;
  for (int32_t gi = 0; gi < G; ++gi) {
    float* sc = scores + static_cast<size_t>(gi) * static_cast<size_t>(n);
    float* p = part + static_cast<size_t>(gi) * stride;
    const float mx = *std::max_element(sc, sc + n);
    p[hd] = mx;
    p[hd + 1] = k.exp_sub(sc, n, mx);
    std::fill(p, p + hd, 0.0f);
  }
  // Pass 2: value sums, each value row converted once for the group.
  off = 0;
  j = 0;
  for (int32_t si = 0; si < qv.n_spans && off < it.k1; ++si) {
    const KvSpan& s = qv.spans[si];
    const int32_t b = std::max(it.k0, off), e = std::min(it.k1, off + s.count);
    for (int32_t i = b; i < e; ++i, ++j) {
      const int32_t slot = s.slot_begin + (i - off);
      load_row(k, f16, f16 ? nullptr : a.cache->v(a.layer, slot) + kv_off,
               f16 ? a.cache->v16(a.layer, slot) + kv_off : nullptr, row, hd);
      for (int32_t gi = 0; gi < G; ++gi) {
        k.axpy_f32(scores[static_cast<size_t>(gi) * static_cast<size_t>(n) + static_cast<size_t>(j)], row,
                   part + static_cast<size_t>(gi) * stride, hd);
      }
    }
    off += s.count;
  }
}

}  // namespace

void attention_flash(const Kernels& k, const AttentionArgs& a, const std::vector<QueryView>& queries, float* out,
                     ThreadPool& pool, int32_t key_chunk) {
  const int32_t G = a.n_head / a.n_head_kv, hd = a.head_dim;
  const size_t stride = static_cast<size_t>(hd) + 2;
  std::vector<FlashItem> items;
  std::vector<size_t> first_item(queries.size() + 1);  // items of query t: [first_item[t], first_item[t+1])
  std::vector<int32_t> n_chunks(queries.size());
  for (size_t t = 0; t < queries.size(); ++t) {
    first_item[t] = items.size();
    int32_t n = 0;
    for (int32_t s = 0; s < queries[t].n_spans; ++s) n += queries[t].spans[s].count;
    const int32_t nc = (n + key_chunk - 1) / key_chunk;
    n_chunks[t] = nc;
    for (int32_t g = 0; g < a.n_head_kv; ++g)
      for (int32_t c = 0; c < nc; ++c)
        items.push_back({static_cast<int32_t>(t), g, c * key_chunk, std::min(n, (c + 1) * key_chunk)});
  }
  first_item[queries.size()] = items.size();
  std::vector<float> parts(items.size() * static_cast<size_t>(G) * stride);
  pool.parallel_for(static_cast<int64_t>(items.size()), [&](int64_t i0, int64_t i1, int) {
    std::vector<float> scores(static_cast<size_t>(G) * static_cast<size_t>(key_chunk));
    std::vector<float> row(static_cast<size_t>(hd));
    for (int64_t i = i0; i < i1; ++i) {
      const FlashItem& it = items[static_cast<size_t>(i)];
      flash_item(k, a, queries[static_cast<size_t>(it.t)], it, scores.data(), row.data(),
                 parts.data() + static_cast<size_t>(i) * static_cast<size_t>(G) * stride);
    }
  });
  // Merge the chunks of each (query, head) in order, with the extra logit.
  const size_t qd = static_cast<size_t>(a.n_head) * static_cast<size_t>(hd);
  for (size_t t = 0; t < queries.size(); ++t) {
    const int32_t nc = n_chunks[t];
    for (int32_t h = 0; h < a.n_head; ++h) {
      const int32_t g = h / G, gi = h % G;
      float* o = out + t * qd + static_cast<size_t>(h) * static_cast<size_t>(hd);
      std::fill(o, o + hd, 0.0f);
      float extra = -std::numeric_limits<float>::infinity();
      if (a.sink_logits != nullptr) extra = a.sink_logits[h];
      else if (a.zero_sink_logit) extra = 0.0f;
      auto part = [&](int32_t c) {
        const size_t item = first_item[t] + static_cast<size_t>(g) * static_cast<size_t>(nc) + static_cast<size_t>(c);
        return parts.data() + (item * static_cast<size_t>(G) + static_cast<size_t>(gi)) * stride;
      };
      float mx = extra;
      for (int32_t c = 0; c < nc; ++c) mx = std::max(mx, part(c)[hd]);
      if (std::isinf(mx) && mx < 0) continue;  // no keys and no extra logit
      double sum = std::isinf(extra) ? 0.0 : std::exp(static_cast<double>(extra - mx));
      for (int32_t c = 0; c < nc; ++c) {
        const float* p = part(c);
        const float w = std::exp(p[hd] - mx);
        sum += static_cast<double>(w) * p[hd + 1];
        k.axpy_f32(w, p, o, hd);
      }
      k.scale(static_cast<float>(1.0 / sum), o, hd);
    }
  }
}

}  // namespace sinkstream::cpu
