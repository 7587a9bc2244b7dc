// The register-blocked group kernel of attention_flash (attention_hwy.cpp),
// compiled once per Highway target like the matvec kernels and chosen by the
// same target bit (Kernels::target).
//
// One work item = (query, kv head g, keys [k0, k1) of the query's span order).
// For the G = n_head / n_head_kv query heads of kv head g it computes
//   S[G][n] = scale * Q[G][hd] . K[n][hd]^T  (- ALiBi),  n = k1 - k0,
// with each span's own rotated query (QueryView::q[si]), K converted from f16
// in registers once per key block for all G heads and 4 x 4 (head, key) dot
// products reduced together (one transpose-and-add per 16 dots); then per head
// m = max S, P = exp(S - m), l = sum P, and O[G][hd] = P[G][n] . V[n][hd] as a
// small GEMM whose tile (up to 4 heads x 64 dims) stays in registers over all
// keys of the chunk. Any G >= 1, any head_dim >= 1 (dims past the last full
// vector are zero-padded in scratch), f32 or f16 KV.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "backend/cpu/attention.hpp"

namespace sinkstream::backend::cpu {

// part: [G][head_dim + 2] = (O[hd], m, l) per query head of the group;
// scratch: flash_scratch_floats(G, head_dim, key_chunk) floats, 64-byte aligned,
// private to the calling thread; k1 - k0 <= key_chunk.
using FlashItemFn = void (*)(const AttentionArgs& a, const QueryView& qv, int32_t g, int32_t k0, int32_t k1,
                             int32_t key_chunk, float* scratch, float* part);

// Offsets (in floats, multiples of 16 = 64 bytes) of the item kernel's scratch.
// Row strides are hdp = head_dim rounded up to 16 floats (every target's vector
// length divides it); G4 = G rounded up to 4 (the kernel works on 4 heads).
struct FlashScratch {
  size_t hdp = 0, G4 = 0;
  size_t ss = 0;     // score row stride: key_chunk rounded up to 16, + 16
  size_t q = 0;      // Q  [max(2 G4, 16)][hdp]  the group's query rows of one span (padded / transposed)
  size_t k = 0;      // K  [32][hdp]  one key block converted to f32 (padded / pair-interleaved)
  size_t s = 0;      // S  [G][ss]    scores, then probabilities
  size_t v = 0;      // V  [key_chunk][hdp]  the chunk's values as f32 (only when hd % lanes != 0)
  size_t o = 0;      // O  [G4][hdp]  value sums
  size_t dots = 0;   // [16]          one 4 x 4 block of dot products
  size_t total = 0;  // floats in all
};

inline FlashScratch flash_scratch(int32_t G, int32_t head_dim, int32_t key_chunk) {
  auto up = [](size_t x, size_t m) { return (x + m - 1) / m * m; };
  FlashScratch f;
  f.hdp = up(static_cast<size_t>(head_dim), 16);
  f.G4 = up(static_cast<size_t>(G), 4);
  f.ss = up(static_cast<size_t>(key_chunk), 16) + 16;
  f.q = 0;
  f.k = f.q + std::max<size_t>(2 * f.G4, 16) * f.hdp;  // QQ of ScoresPairs / ScoresQuads: [hd][16]
  f.s = f.k + 32 * f.hdp;
  f.v = f.s + static_cast<size_t>(G) * f.ss;
  f.o = f.v + static_cast<size_t>(key_chunk) * f.hdp;
  f.dots = f.o + f.G4 * f.hdp;
  f.total = f.dots + 16;
  return f;
}

// Scratch one item call needs (enough for every compiled target).
inline size_t flash_scratch_floats(int32_t G, int32_t head_dim, int32_t key_chunk) {
  return flash_scratch(G, head_dim, key_chunk).total;
}

// The kernel compiled for Highway target bit `target` (Kernels::target), or the
// portable one (EMU128 or SCALAR) when that target is not compiled (e.g. 0, the reference).
FlashItemFn flash_item_kernel(int64_t target);

}  // namespace sinkstream::backend::cpu
