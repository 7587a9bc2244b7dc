#include <algorithm>
#include <cstdint>
#include <cmath>
#include <limits>
#include <vector>

#include "backend/cpu/attention.hpp"
#include "backend/cpu/attention_hwy.hpp"

namespace sinkstream::backend::cpu {

namespace {

// One work item: query t, kv head g, keys [k0, k1) of the query's span order.
struct FlashItem {
  int32_t t, g;
  int32_t k0, k1;
};

}  // namespace

void attention_flash(const Kernels& k, const AttentionArgs& a, std::span<const QueryView> queries, float* out,
                     core::ThreadPool& pool, int32_t key_chunk) {
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
    // Chunk-major: the kv heads of one chunk are neighbours in each cache row
    // ([slot][kv_dim]), so consecutive items stream one contiguous region.
    for (int32_t c = 0; c < nc; ++c)
      for (int32_t g = 0; g < a.n_head_kv; ++g)
        items.push_back({static_cast<int32_t>(t), g, c * key_chunk, std::min(n, (c + 1) * key_chunk)});
  }
  first_item[queries.size()] = items.size();
  // One allocation: parts [items][G][hd + 2] (O, m, l per head), then one
  // 64-byte aligned scratch of flash_scratch_floats per pool thread.
  const FlashItemFn item_fn = flash_item_kernel(k.target);
  const size_t n_parts = items.size() * static_cast<size_t>(G) * stride;
  const size_t per_thread = (flash_scratch_floats(G, hd, key_chunk) + 15) / 16 * 16;
  std::vector<float> buf(n_parts + 16 + per_thread * static_cast<size_t>(pool.size()));
  float* parts = buf.data();
  float* scratch0 = parts + n_parts;
  scratch0 += (16 - (reinterpret_cast<uintptr_t>(scratch0) / sizeof(float)) % 16) % 16;
  pool.parallel_for(static_cast<int64_t>(items.size()), [&](int64_t i0, int64_t i1, int thread) {
    float* scratch = scratch0 + static_cast<size_t>(thread) * per_thread;
    for (int64_t i = i0; i < i1; ++i) {
      const FlashItem& it = items[static_cast<size_t>(i)];
      item_fn(a, queries[static_cast<size_t>(it.t)], it.g, it.k0, it.k1, key_chunk, scratch,
              parts + static_cast<size_t>(i) * static_cast<size_t>(G) * stride);
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
        const size_t item = first_item[t] + static_cast<size_t>(c) * static_cast<size_t>(a.n_head_kv) + static_cast<size_t>(g);
        return parts + (item * static_cast<size_t>(G) + static_cast<size_t>(gi)) * stride;
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

}  // namespace sinkstream::backend::cpu
