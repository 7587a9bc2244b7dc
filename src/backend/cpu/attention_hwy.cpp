// The attention group kernel (see attention_hwy.hpp), compiled once per
// Highway target by foreach_target. Shapes: G = n_head / n_head_kv query heads
// per kv head, hd = head_dim, hdv = hd rounded up to the vector length kN,
// n = keys of the item (<= key_chunk); scratch buffers as in FlashScratch.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backend/cpu/attention_hwy.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// foreach_target re-includes this file once per target, then once more with HWY_ONCE.
#include "hwy/cache_control.h"
#include "hwy/highway.h"
#include "hwy/contrib/math/math-inl.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "backend/cpu/attention_hwy.hpp"
#include "core/f16.hpp"

HWY_BEFORE_NAMESPACE();
namespace sinkstream::backend::cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;
using VF = hn::Vec<DF>;
constexpr size_t kN = hn::MaxLanes(DF());  // floats per vector
static_assert(16 % kN == 0, "rows are padded to 16 floats");
// Vectors per head in one O tile: 4 heads x kTileV accumulators stay in registers
// (16 of 32 zmm on AVX-512, 8 of 16 ymm on AVX2).
// (8 heads x 2 vectors measured no faster on AVX-512.)
constexpr int kTileV = (kN >= 16 || kN == 1) ? 4 : 2;

// kN floats of a row (f32 or f16) from element i.
template <bool kF16>
HWY_INLINE VF LoadRow(DF df, const void* row, size_t i) {
  if constexpr (kF16) {
    const hn::Rebind<hwy::float16_t, DF> dh;
    return hn::PromoteTo(df, hn::LoadU(dh, static_cast<const hwy::float16_t*>(row) + i));
  } else {
    return hn::LoadU(df, static_cast<const float*>(row) + i);
  }
}

// dst[hdv] = src[hd] as f32, zero past hd.
template <bool kF16>
HWY_INLINE void ConvertRow(const void* src, size_t hd, size_t hdv, float* dst) {
  const DF df;
  size_t i = 0;
  for (; i + kN <= hd; i += kN) hn::StoreU(LoadRow<kF16>(df, src, i), df, dst + i);
  for (; i < hd; ++i) {
    if constexpr (kF16) dst[i] = core::f16_to_f32(static_cast<const uint16_t*>(src)[i]);
    else dst[i] = static_cast<const float*>(src)[i];
  }
  for (; i < hdv; ++i) dst[i] = 0.0f;
}

#if HWY_TARGET != HWY_SCALAR
// Each 128-bit block of the result holds that block's partial sums of a, b, c, d.
HWY_INLINE VF Reduce4(DF df, VF a, VF b, VF c, VF d) {
  const hn::Repartition<uint64_t, DF> du;
  const auto ab = hn::BitCast(du, hn::Add(hn::InterleaveLower(df, a, b), hn::InterleaveUpper(df, a, b)));
  const auto cd = hn::BitCast(du, hn::Add(hn::InterleaveLower(df, c, d), hn::InterleaveUpper(df, c, d)));
  return hn::Add(hn::BitCast(df, hn::InterleaveLower(du, ab, cd)), hn::BitCast(df, hn::InterleaveUpper(du, ab, cd)));
}

// dots[4 * i + j] = sum over the blocks of s_i's lane j (s_i from Reduce4).
template <class D>
HWY_INLINE void SumBlocks(D d, hn::Vec<D> s0, hn::Vec<D> s1, hn::Vec<D> s2, hn::Vec<D> s3, float scale,
                          float* dots) {
  constexpr size_t N = hn::MaxLanes(D());
  const auto vs = hn::Set(d, scale);
  if constexpr (N == 16) {  // blocks [A0 A1 B0 B1] + ... -> [s0 s1 s2 s3]
    const auto ua = hn::Add(hn::ConcatLowerLower(d, s2, s0), hn::ConcatUpperUpper(d, s2, s0));  // s0, s2
    const auto ub = hn::Add(hn::ConcatLowerLower(d, s3, s1), hn::ConcatUpperUpper(d, s3, s1));  // s1, s3
    const auto x = hn::OddEvenBlocks(ub, ua);
    const auto y = hn::OddEvenBlocks(hn::SwapAdjacentBlocks(ub), hn::SwapAdjacentBlocks(ua));
    hn::StoreU(hn::Mul(vs, hn::Add(x, y)), d, dots);
  } else if constexpr (N == 8) {
    hn::StoreU(hn::Mul(vs, hn::Add(hn::ConcatLowerLower(d, s1, s0), hn::ConcatUpperUpper(d, s1, s0))), d, dots);
    hn::StoreU(hn::Mul(vs, hn::Add(hn::ConcatLowerLower(d, s3, s2), hn::ConcatUpperUpper(d, s3, s2))), d, dots + 8);
  } else {
    hn::StoreU(hn::Mul(vs, s0), d, dots);
    hn::StoreU(hn::Mul(vs, s1), d, dots + 4);
    hn::StoreU(hn::Mul(vs, s2), d, dots + 8);
    hn::StoreU(hn::Mul(vs, s3), d, dots + 12);
  }
}

// dots[4 * i + j] = scale * q[i] . k[i][j] over hdv floats (hdv a multiple of kN).
HWY_INLINE void Dot16(const float* const q[4], const float* const k[4][4], size_t hdv, float scale, float* dots) {
  const DF df;
  VF s[4];
  for (int i = 0; i < 4; ++i) {
    VF a0 = hn::Zero(df), a1 = hn::Zero(df), a2 = hn::Zero(df), a3 = hn::Zero(df);
    for (size_t d = 0; d < hdv; d += kN) {
      const VF qv = hn::LoadU(df, q[i] + d);
      a0 = hn::MulAdd(qv, hn::LoadU(df, k[i][0] + d), a0);
      a1 = hn::MulAdd(qv, hn::LoadU(df, k[i][1] + d), a1);
      a2 = hn::MulAdd(qv, hn::LoadU(df, k[i][2] + d), a2);
      a3 = hn::MulAdd(qv, hn::LoadU(df, k[i][3] + d), a3);
    }
    s[i] = Reduce4(df, a0, a1, a2, a3);
  }
  SumBlocks(df, s[0], s[1], s[2], s[3], scale, dots);
}
#else   // HWY_SCALAR (one lane): plain dot products
HWY_INLINE void Dot16(const float* const q[4], const float* const k[4][4], size_t hdv, float scale, float* dots) {
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) {
      float s = 0.0f;
      for (size_t d = 0; d < hdv; ++d) s += q[i][d] * k[i][j][d];
      dots[4 * i + j] = s * scale;
    }
  }
}
#endif

// o[h * os + d] += sum_j P(h, j) * v[j * stride + d] for h < NH, d < NV * kN,
// j < cnt, P(h, j) = p[(j / KP) * js + h * hs + j % KP] (KP = 1: any strided
// layout; KP = 2: key pairs interleaved per head); v: f32 or f16 rows of
// `stride` elements. The tile stays in registers.
template <int NH, int NV, bool kF16, int KP>
void PvTile(const void* v, size_t stride, int32_t cnt, const float* p, size_t hs, size_t js, float* o, size_t os) {
  const DF df;
  VF acc[NH][NV];
  for (int h = 0; h < NH; ++h)
    for (int c = 0; c < NV; ++c) acc[h][c] = hn::LoadU(df, o + static_cast<size_t>(h) * os + c * kN);
  const size_t row_bytes = stride * (kF16 ? 2 : 4);
  const auto* row = static_cast<const uint8_t*>(v);
  for (int32_t j = 0; j < cnt; ++j, row += row_bytes) {
    VF vv[NV];
    for (int c = 0; c < NV; ++c) vv[c] = LoadRow<kF16>(df, row, c * kN);
    for (int h = 0; h < NH; ++h) {
      const size_t pj = static_cast<size_t>(j / KP) * js + static_cast<size_t>(j % KP);
      const VF ph = hn::Set(df, p[static_cast<size_t>(h) * hs + pj]);
      for (int c = 0; c < NV; ++c) acc[h][c] = hn::MulAdd(ph, vv[c], acc[h][c]);
    }
  }
  for (int h = 0; h < NH; ++h)
    for (int c = 0; c < NV; ++c) hn::StoreU(acc[h][c], df, o + static_cast<size_t>(h) * os + c * kN);
}

using TileFn = void (*)(const void*, size_t, int32_t, const float*, size_t, size_t, float*, size_t);

template <int NH, bool kF16, int KP>
TileFn PickTileV(int nv) {
  switch (nv) {
    case 1: return &PvTile<NH, 1, kF16, KP>;
    case 2: return &PvTile<NH, 2, kF16, KP>;
    case 3: return &PvTile<NH, 3, kF16, KP>;
    default: return &PvTile<NH, 4, kF16, KP>;
  }
}

template <bool kF16, int KP>
TileFn PickTile(int nh, int nv) {
  switch (nh) {
    case 1: return PickTileV<1, kF16, KP>(nv);
    case 2: return PickTileV<2, kF16, KP>(nv);
    case 3: return PickTileV<3, kF16, KP>(nv);
    default: return PickTileV<4, kF16, KP>(nv);
  }
}

HWY_INLINE float MaxRow(const float* x, int32_t n) {
  const DF df;
  auto vm = hn::Set(df, -std::numeric_limits<float>::infinity());
  size_t i = 0;
  for (; i + kN <= static_cast<size_t>(n); i += kN) vm = hn::Max(vm, hn::LoadU(df, x + i));
  float m = hn::GetLane(hn::MaxOfLanes(df, vm));
  for (; i < static_cast<size_t>(n); ++i) m = std::max(m, x[i]);
  return m;
}

// x[i] = exp(x[i] - m) for i < n; returns the sum (m >= max x: no overflow).
HWY_INLINE float ExpSubRow(float* x, int32_t n, float m) {
  const DF df;
  const auto vm = hn::Set(df, m);
  auto sum = hn::Zero(df);
  size_t i = 0;
  for (; i + kN <= static_cast<size_t>(n); i += kN) {
    const auto e = hn::Exp(df, hn::Sub(hn::LoadU(df, x + i), vm));
    hn::StoreU(e, df, x + i);
    sum = hn::Add(sum, e);
  }
  float tail = 0.0f;
  for (; i < static_cast<size_t>(n); ++i) {
    x[i] = std::exp(x[i] - m);
    tail += x[i];
  }
  return hn::GetLane(hn::SumOfLanes(df, sum)) + tail;
}

// Calls fn(si, slot0, j0, cnt) for each run of the item's keys [k0, k1) that
// lies in one span: span si's slots [slot0, slot0 + cnt) are the item's keys
// [j0, j0 + cnt).
template <class Fn>
HWY_INLINE void ForEachSegment(const QueryView& qv, int32_t k0, int32_t k1, const Fn& fn) {
  int32_t off = 0;
  for (int32_t si = 0; si < qv.n_spans && off < k1; ++si) {
    const backend::KvSpan& s = qv.spans[si];
    const int32_t b = std::max(k0, off), e = std::min(k1, off + s.count);
    if (b < e) fn(si, s.slot_begin + (b - off), b - k0, e - b);
    off += s.count;
  }
}

// K rows are fetched this many slots ahead (past the item's end too: the next
// chunk is the next items on this thread); V rows while scoring, for pass 3.
// 256 measured best on BM_AttentionDram (f16, 4096 keys, 2 threads: 245 us of
// CPU per layer against 300 at 128 and 340 at 32; 512 ties with 256).
constexpr int32_t kPrefetchKeys = 256;

// What every pass of one item needs: the item, its scratch and its cache rows.
struct Item {
  const AttentionArgs& a;
  const QueryView& qv;
  int32_t g, k0, k1, G;
  size_t hd, hdv;  // head_dim, rounded up to kN
  FlashScratch L;
  float* scratch;
  float* part;     // [G][hd + 2]
  const backend::KvView& cache;
  size_t kv_off;   // g * hd: the kv head's offset in a cache row
  bool f16;
  size_t row_bytes;  // one K / V row of the kv head
  // Bytes prefetched per row: kv head 0 prefetches the whole cache row (every
  // kv head, contiguous), because the chunk's other kv heads are the next items
  // on the same thread and then find their rows in L2; the DRAM stream stays
  // sequential instead of strided by kv_dim.
  size_t prefetch_bytes;

  Item(const AttentionArgs& a_, const QueryView& qv_, int32_t g_, int32_t k0_, int32_t k1_, int32_t key_chunk,
       float* scratch_, float* part_)
      : a(a_), qv(qv_), g(g_), k0(k0_), k1(k1_), G(a_.n_head / a_.n_head_kv),
        hd(static_cast<size_t>(a_.head_dim)), hdv((hd + kN - 1) / kN * kN),
        L(flash_scratch(G, a_.head_dim, key_chunk)), scratch(scratch_), part(part_), cache(a_.kv),
        kv_off(static_cast<size_t>(g_) * hd), f16(cache.is_f16()), row_bytes(hd * (f16 ? 2 : 4)),
        prefetch_bytes(g_ == 0 ? static_cast<size_t>(cache.kv_dim()) * (f16 ? 2 : 4) : row_bytes) {}

  const void* k_row(int32_t slot) const {
    return f16 ? static_cast<const void*>(cache.k16(a.layer, slot) + kv_off)
               : static_cast<const void*>(cache.k(a.layer, slot) + kv_off);
  }
  const void* v_row(int32_t slot) const {
    return f16 ? static_cast<const void*>(cache.v16(a.layer, slot) + kv_off)
               : static_cast<const void*>(cache.v(a.layer, slot) + kv_off);
  }
  // The cache lines of one row (rows are strided by kv_dim in the cache).
  void prefetch(const void* row) const {
    const auto* b = static_cast<const char*>(row);
    for (size_t off = 0; off < prefetch_bytes; off += 64) hwy::Prefetch(b + off);
  }
  void prefetch_k_ahead(int32_t slot) const {
    if (slot + kPrefetchKeys < cache.n_slots()) prefetch(k_row(slot + kPrefetchKeys));
  }
  // Key `slot` as f32: in place (f32 cache) or converted into dst[hdv] (f16, or
  // f32 that needs zero padding to hdv when `padded`).
  const float* key_f32(int32_t slot, float* dst, bool padded) const {
    if (f16) ConvertRow<true>(k_row(slot), hd, hdv, dst);
    else if (padded && hd != hdv) ConvertRow<false>(k_row(slot), hd, hdv, dst);
    else return static_cast<const float*>(k_row(slot));
    return dst;
  }
};


// Pass 1, heads x keys blocking (any G; used when G is not a multiple of the
// head vectors below): S[G][ss] = scale * Q . K^T (- ALiBi). A 4 x 4 dot block
// is (4 heads) x (4 keys) for G >= 3 (heads padded to a multiple of 4 with zero
// rows), (2 heads) x (8 keys) for G = 2, and (1 head) x (16 keys) for G = 1:
// block row i is head blk * 4 + row_head[i], keys row_key[i] + [0, 4) of the key block.
void ScoresBlocked(const Item& it, float* S) {
  const AttentionArgs& a = it.a;
  const int32_t G = it.G;
  const size_t hdp = it.L.hdp, hdv = it.hdv, ss = it.L.ss;
  float* Q = it.scratch + it.L.q;   // [G4][hdp]
  float* Kb = it.scratch + it.L.k;  // [16][hdp]
  float* dots = it.scratch + it.L.dots;
  const int64_t* key_pos = it.cache.slot_pos();
  const int32_t hb = G >= 3 ? 4 : G, kb = 16 / hb, n_hblk = G >= 3 ? (G + 3) / 4 : 1;
  int32_t row_head[4], row_key[4];
  for (int32_t i = 0; i < 4; ++i) {
    row_head[i] = i % hb;
    row_key[i] = 4 * (i / hb);
  }
  const size_t rows_q = G >= 3 ? it.L.G4 : static_cast<size_t>(G);
  for (size_t r = static_cast<size_t>(G); r < rows_q; ++r) std::fill(Q + r * hdp, Q + r * hdp + hdv, 0.0f);
  ForEachSegment(it.qv, it.k0, it.k1, [&](int32_t si, int32_t slot0, int32_t j0, int32_t cnt) {
    for (int32_t gi = 0; gi < G; ++gi) {
      const float* q = it.qv.q[si] + static_cast<size_t>(it.g * G + gi) * it.hd;
      ConvertRow<false>(q, it.hd, hdv, Q + static_cast<size_t>(gi) * hdp);
    }
    for (int32_t r = 0; r < std::min(kPrefetchKeys, cnt); ++r) it.prefetch(it.k_row(slot0 + r));
    for (int32_t kb0 = 0; kb0 < cnt; kb0 += kb) {
      const int32_t valid = std::min(kb, cnt - kb0);
      const float* kr[16];
      for (int32_t r = 0; r < valid; ++r) {
        const int32_t slot = slot0 + kb0 + r;
        it.prefetch_k_ahead(slot);
        it.prefetch(it.v_row(slot));
        kr[r] = it.key_f32(slot, Kb + static_cast<size_t>(r) * hdp, true);
      }
      for (int32_t r = valid; r < 16; ++r) kr[r] = kr[0];  // dots computed and dropped
      for (int32_t blk = 0; blk < n_hblk; ++blk) {
        const float* q4[4];
        const float* k44[4][4];
        for (int32_t i = 0; i < 4; ++i) {
          q4[i] = Q + static_cast<size_t>(blk * 4 + row_head[i]) * hdp;
          for (int32_t j = 0; j < 4; ++j) k44[i][j] = kr[row_key[i] + j];
        }
        Dot16(q4, k44, hdv, a.scale, dots);
        for (int32_t i = 0; i < 4; ++i) {
          const int32_t gi = blk * 4 + row_head[i], kbase = row_key[i];
          const int32_t c = std::min(4, valid - kbase);
          if (gi >= G || c <= 0) continue;
          float* srow = S + static_cast<size_t>(gi) * ss + static_cast<size_t>(j0 + kb0 + kbase);
          if (c == 4) std::copy(dots + 4 * i, dots + 4 * i + 4, srow);  // one 16-byte move
          else std::copy(dots + 4 * i, dots + 4 * i + c, srow);
        }
      }
    }
    if (a.alibi_slopes != nullptr) {  // score -= slope[h] * (q_rot_pos - key_pos)
      for (int32_t gi = 0; gi < G; ++gi) {
        const float slope = a.alibi_slopes[it.g * G + gi];
        float* srow = S + static_cast<size_t>(gi) * ss + static_cast<size_t>(j0);
        for (int32_t j = 0; j < cnt; ++j) {
          srow[j] -= slope * static_cast<float>(it.qv.spans[si].q_rot_pos - key_pos[slot0 + j]);
        }
      }
    }
  });
  // P = exp(S - m) per head; part[gi] gets (m, l).
  for (int32_t gi = 0; gi < G; ++gi) {
    float* srow = S + static_cast<size_t>(gi) * ss;
    float* p = it.part + static_cast<size_t>(gi) * (it.hd + 2);
    const float m = MaxRow(srow, it.k1 - it.k0);
    p[it.hd] = m;
    p[it.hd + 1] = ExpSubRow(srow, it.k1 - it.k0, m);
  }
}

// Pass 1, heads in lanes (G a multiple of the lanes L of CappedTag<float, W>):
// S[n][G] = scale * K . Q^T (- ALiBi) with Q^T [hd][G] built once per span and
// each key element broadcast against L heads: R keys at a time in R
// accumulators, no horizontal reductions. Then P = exp(S - m) per head.
template <size_t W>
void ScoresHeadLanes(const Item& it, float* S) {
  using DH = hn::CappedTag<float, W>;
  const DH dh;
  constexpr size_t L = hn::MaxLanes(DH());
  constexpr int R = kN >= 16 ? 16 : 8;  // keys per block (accumulators)
  const AttentionArgs& a = it.a;
  const int32_t G = it.G;
  const size_t Gs = static_cast<size_t>(G), hdp = it.L.hdp;
  float* QT = it.scratch + it.L.q;  // [hd][G]
  float* Kb = it.scratch + it.L.k;  // [R][hdp]
  const int64_t* key_pos = it.cache.slot_pos();
  const auto vscale = hn::Set(dh, a.scale);
  ForEachSegment(it.qv, it.k0, it.k1, [&](int32_t si, int32_t slot0, int32_t j0, int32_t cnt) {
    for (int32_t gi = 0; gi < G; ++gi) {
      const float* q = it.qv.q[si] + static_cast<size_t>(it.g * G + gi) * it.hd;
      for (size_t d = 0; d < it.hd; ++d) QT[d * Gs + static_cast<size_t>(gi)] = q[d];
    }
    for (int32_t r = 0; r < std::min(kPrefetchKeys, cnt); ++r) it.prefetch(it.k_row(slot0 + r));
    for (int32_t kb0 = 0; kb0 < cnt; kb0 += R) {
      const int32_t valid = std::min(R, cnt - kb0);
      const float* kr[R];
      for (int32_t r = 0; r < valid; ++r) {
        const int32_t slot = slot0 + kb0 + r;
        it.prefetch_k_ahead(slot);
        it.prefetch(it.v_row(slot));
        kr[r] = it.key_f32(slot, Kb + static_cast<size_t>(r) * hdp, false);
      }
      for (int32_t r = valid; r < R; ++r) kr[r] = kr[0];  // computed and dropped
      float* srow = S + static_cast<size_t>(j0 + kb0) * Gs;
      for (size_t hv = 0; hv < Gs; hv += L) {
        hn::Vec<DH> acc[R];
        for (int r = 0; r < R; ++r) acc[r] = hn::Zero(dh);
        for (size_t d = 0; d < it.hd; ++d) {
          const auto qv = hn::LoadU(dh, QT + d * Gs + hv);
          for (int r = 0; r < R; ++r) acc[r] = hn::MulAdd(qv, hn::Set(dh, kr[r][d]), acc[r]);
        }
        for (int r = 0; r < R; ++r) {
          if (r < valid) hn::StoreU(hn::Mul(acc[r], vscale), dh, srow + static_cast<size_t>(r) * Gs + hv);
        }
      }
    }
    if (a.alibi_slopes != nullptr) {  // score -= slope[h] * (q_rot_pos - key_pos)
      const float* slope = a.alibi_slopes + static_cast<size_t>(it.g * G);
      for (int32_t j = 0; j < cnt; ++j) {
        const float dist = static_cast<float>(it.qv.spans[si].q_rot_pos - key_pos[slot0 + j]);
        float* srow = S + static_cast<size_t>(j0 + j) * Gs;
        for (size_t gi = 0; gi < Gs; ++gi) srow[gi] -= slope[gi] * dist;
      }
    }
  });
  // P = exp(S - m) per head (lane); part[gi] gets (m, l).
  const size_t n = static_cast<size_t>(it.k1 - it.k0);
  for (size_t hv = 0; hv < Gs; hv += L) {
    auto m = hn::Set(dh, -std::numeric_limits<float>::infinity());
    for (size_t j = 0; j < n; ++j) m = hn::Max(m, hn::LoadU(dh, S + j * Gs + hv));
    auto l = hn::Zero(dh);
    for (size_t j = 0; j < n; ++j) {
      const auto e = hn::Exp(dh, hn::Sub(hn::LoadU(dh, S + j * Gs + hv), m));
      hn::StoreU(e, dh, S + j * Gs + hv);
      l = hn::Add(l, e);
    }
    float ml[2][L];
    hn::StoreU(m, dh, ml[0]);
    hn::StoreU(l, dh, ml[1]);
    for (size_t i = 0; i < L; ++i) {
      float* p = it.part + (hv + i) * (it.hd + 2);
      p[it.hd] = ml[0][i];
      p[it.hd + 1] = ml[1][i];
    }
  }
}

#if HWY_TARGET != HWY_SCALAR
// Key groups of KP = 2 (pairs) or 4 (quads) keys: lanes (head h, key j mod KP)
// -> KP h + j mod KP, so when KP G == kN a full vector scores a group of keys
// against all G heads with no horizontal reductions (pairs: G = 8 on AVX-512,
// TinyLlama; quads: G = 4 on AVX-512, Llama-3.2-1B).

// kk[KP hd]: rows r[0..KP) (f32 or f16, hd % kN == 0) transposed per 128-bit
// block: of each chunk of kN dims, vector v (stored at kk + KP d + v kN) holds
// groups (r0[e], ..., r[KP-1][e]) for the dims e listed by GroupDim.
template <int KP, bool kF16>
HWY_INLINE void InterleaveGroup(const void* const r[KP], size_t hd, float* kk) {
  const DF df;
  const hn::Repartition<double, DF> dd;
  for (size_t d = 0; d < hd; d += kN) {
    float* o = kk + KP * d;
    const VF x0 = LoadRow<kF16>(df, r[0], d), x1 = LoadRow<kF16>(df, r[1], d);
    if constexpr (KP == 2) {
      hn::StoreU(hn::InterleaveLower(df, x0, x1), df, o);
      hn::StoreU(hn::InterleaveUpper(df, x0, x1), df, o + kN);
    } else {
      const VF x2 = LoadRow<kF16>(df, r[2], d), x3 = LoadRow<kF16>(df, r[3], d);
      const auto a = hn::BitCast(dd, hn::InterleaveLower(df, x0, x1));
      const auto b = hn::BitCast(dd, hn::InterleaveLower(df, x2, x3));
      const auto c = hn::BitCast(dd, hn::InterleaveUpper(df, x0, x1));
      const auto e = hn::BitCast(dd, hn::InterleaveUpper(df, x2, x3));
      hn::StoreU(hn::BitCast(df, hn::InterleaveLower(dd, a, b)), df, o);
      hn::StoreU(hn::BitCast(df, hn::InterleaveUpper(dd, a, b)), df, o + kN);
      hn::StoreU(hn::BitCast(df, hn::InterleaveLower(dd, c, e)), df, o + 2 * kN);
      hn::StoreU(hn::BitCast(df, hn::InterleaveUpper(dd, c, e)), df, o + 3 * kN);
    }
  }
}

// The dimension whose group sits at group position t of InterleaveGroup's rows.
template <int KP>
HWY_INLINE size_t GroupDim(size_t t) {
  const size_t c = t / kN, u = t % kN;
  if constexpr (KP == 2) {
    const size_t half = kN / 2, lo = u < half ? u : u - half;  // position inside lo / hi
    return c * kN + 4 * (lo / 2) + (u < half ? 0 : 2) + lo % 2;
  } else {
    const size_t nb = kN / 4;  // 128-bit blocks per vector
    return c * kN + 4 * (u % nb) + u / nb;
  }
}

// acc[i] = sum_t QQ[t][kN] * broadcast(KK[i][t]) for i < RG groups; KK: [RG][hd][KP]
// (a group broadcast is 64 bits for pairs, 128 for quads).
// kHd > 0: hd known at compile time (constant offsets from one base pointer).
template <int KP, int RG, size_t kHd>
HWY_INLINE void GroupDots(const float* QQ, const float* KK, size_t hd_rt, VF* acc) {
  const DF df;
  const hn::Repartition<double, DF> dd;
  const size_t hd = kHd > 0 ? kHd : hd_rt;
  VF a[RG];
  for (int i = 0; i < RG; ++i) a[i] = hn::Zero(df);
  for (size_t t = 0; t < hd; ++t) {
    const VF qv = hn::LoadU(df, QQ + t * kN);
    for (int i = 0; i < RG; ++i) {
      const float* kg = KK + static_cast<size_t>(i) * KP * hd + KP * t;
      VF kb;
      if constexpr (KP == 2) {
        double kv;
        std::memcpy(&kv, kg, sizeof kv);
        kb = hn::BitCast(df, hn::Set(dd, kv));
      } else {
        kb = hn::LoadDup128(df, kg);
      }
      a[i] = hn::MulAdd(qv, kb, a[i]);
    }
  }
  for (int i = 0; i < RG; ++i) acc[i] = a[i];
}

// Pass 1 for KP G == kN, hd % kN == 0: K rows of a group are transposed
// (InterleaveGroup) and broadcast a group at a time against
// QQ[t][KP h + r] = q[h][GroupDim(t)]. Each span's keys start a new group;
// missing keys of a span's last group are scored -inf.
// S: [groups][G][KP]. Then P = exp(S - m) per head.
template <int KP>
void ScoresGroups(const Item& it, float* S) {
  const DF df;
  constexpr int RG = 8;  // groups per block (accumulators)
  const AttentionArgs& a = it.a;
  const int32_t G = it.G;
  const size_t hd = it.hd;
  float* QQ = it.scratch + it.L.q;  // [hd][kN]
  float* KK = it.scratch + it.L.k;  // [RG][hd][KP]
  const int64_t* key_pos = it.cache.slot_pos();
  const VF vscale = hn::Set(df, a.scale);
  size_t group0 = 0;
  ForEachSegment(it.qv, it.k0, it.k1, [&](int32_t si, int32_t slot0, int32_t, int32_t cnt) {
    for (size_t t = 0; t < hd; ++t) {
      const size_t d = GroupDim<KP>(t);
      for (int32_t h = 0; h < G; ++h) {
        const float q = it.qv.q[si][static_cast<size_t>(it.g * G + h) * hd + d];
        for (size_t r = 0; r < KP; ++r) QQ[t * kN + KP * static_cast<size_t>(h) + r] = q;
      }
    }
    for (int32_t r = 0; r < std::min(kPrefetchKeys, cnt); ++r) it.prefetch(it.k_row(slot0 + r));
    const int32_t n_groups = (cnt + KP - 1) / KP;
    for (int32_t gb = 0; gb < n_groups; gb += RG) {
      const int32_t vg = std::min(RG, n_groups - gb);  // valid groups
      for (int32_t i = 0; i < vg; ++i) {
        const void* rows[KP];
        for (int32_t r = 0; r < KP; ++r) {
          const int32_t j = KP * (gb + i) + r;
          const int32_t slot = slot0 + std::min(j, cnt - 1);  // tail: duplicates, scored and dropped
          if (j < cnt) {
            it.prefetch_k_ahead(slot);
            it.prefetch(it.v_row(slot));
          }
          rows[r] = it.k_row(slot);
        }
        float* kk = KK + static_cast<size_t>(i) * KP * hd;
        if (it.f16) InterleaveGroup<KP, true>(rows, hd, kk);
        else InterleaveGroup<KP, false>(rows, hd, kk);
      }
      VF acc[RG];
      if (hd == 64) GroupDots<KP, RG, 64>(QQ, KK, hd, acc);
      else if (hd == 128) GroupDots<KP, RG, 128>(QQ, KK, hd, acc);
      else GroupDots<KP, RG, 0>(QQ, KK, hd, acc);
      for (int i = 0; i < RG; ++i) {
        if (i < vg) hn::StoreU(hn::Mul(acc[i], vscale), df, S + (group0 + static_cast<size_t>(gb + i)) * kN);
      }
    }
    const backend::KvSpan& span = it.qv.spans[si];
    if (a.alibi_slopes != nullptr) {  // score -= slope[h] * (q_rot_pos - key_pos)
      for (int32_t j = 0; j < cnt; ++j) {
        const float dist = static_cast<float>(span.q_rot_pos - key_pos[slot0 + j]);
        float* sp = S + (group0 + static_cast<size_t>(j / KP)) * kN + static_cast<size_t>(j % KP);
        for (int32_t h = 0; h < G; ++h) sp[KP * h] -= a.alibi_slopes[it.g * G + h] * dist;
      }
    }
    for (int32_t j = cnt; j < KP * n_groups; ++j) {  // the dropped lanes of the last group
      float* sp = S + (group0 + static_cast<size_t>(j / KP)) * kN + static_cast<size_t>(j % KP);
      for (int32_t h = 0; h < G; ++h) sp[KP * h] = -std::numeric_limits<float>::infinity();
    }
    group0 += static_cast<size_t>(n_groups);
  });
  // P = exp(S - m): the KP lanes KP h .. KP h + KP - 1 (inside one 128-bit block) are head h.
  auto group_all = [&](VF v, auto op) {
    v = op(v, hn::Shuffle2301(v));
    if constexpr (KP == 4) v = op(v, hn::Shuffle1032(v));
    return v;
  };
  VF m = hn::Set(df, -std::numeric_limits<float>::infinity());
  for (size_t i = 0; i < group0; ++i) m = hn::Max(m, hn::LoadU(df, S + i * kN));
  m = group_all(m, [](VF x, VF y) { return hn::Max(x, y); });
  VF l = hn::Zero(df);
  for (size_t i = 0; i < group0; ++i) {
    const VF e = hn::Exp(df, hn::Sub(hn::LoadU(df, S + i * kN), m));
    hn::StoreU(e, df, S + i * kN);
    l = hn::Add(l, e);
  }
  l = group_all(l, [](VF x, VF y) { return hn::Add(x, y); });
  float ml[2][kN];
  hn::StoreU(m, df, ml[0]);
  hn::StoreU(l, df, ml[1]);
  for (int32_t h = 0; h < G; ++h) {
    float* p = it.part + static_cast<size_t>(h) * (hd + 2);
    p[hd] = ml[0][KP * h];
    p[hd + 1] = ml[1][KP * h];
  }
}
#endif

// Pass 3: part[gi][0, hd) = sum_j P(gi, j) V[j] as register tiles of up to 4
// heads x kTileV vectors over all keys. KP = 1: P(gi, j) = P[gi * hs + j * js];
// KP = 2 or 4 (ScoresGroups): each span's keys start a new group of KP keys,
// groups of KP G floats, P(gi, j) = P[group(j) * js + gi * hs + j % KP].
template <int KP>
void ValueSums(const Item& it, const float* P, size_t hs, size_t js) {
  const int32_t G = it.G;
  const size_t hdp = it.L.hdp, hdv = it.hdv, hd = it.hd;
  float* O = it.scratch + it.L.o;   // [G4][hdp]
  float* Vc = it.scratch + it.L.v;  // [n][hdp]
  const bool direct = hd == hdv;    // rows usable in place: no padding needed
  for (int32_t gi = 0; gi < G; ++gi) std::fill(O + static_cast<size_t>(gi) * hdp, O + static_cast<size_t>(gi) * hdp + hdv, 0.0f);
  if (!direct) {  // padded f32 copy of the chunk's values: Vc[n][hdp]
    ForEachSegment(it.qv, it.k0, it.k1, [&](int32_t, int32_t slot0, int32_t j0, int32_t cnt) {
      for (int32_t j = 0; j < cnt; ++j) {
        float* dst = Vc + static_cast<size_t>(j0 + j) * hdp;
        if (it.f16) ConvertRow<true>(it.v_row(slot0 + j), hd, hdv, dst);
        else ConvertRow<false>(it.v_row(slot0 + j), hd, hdv, dst);
      }
    });
  }
  const size_t kv_dim = static_cast<size_t>(it.cache.kv_dim());
  const int32_t n_vec = static_cast<int32_t>(hdv / kN);
  for (int32_t h0 = 0; h0 < G; h0 += 4) {
    const int32_t nh = std::min(4, G - h0);
    for (int32_t c0 = 0; c0 < n_vec; c0 += kTileV) {
      const int32_t nv = std::min(kTileV, n_vec - c0);
      const size_t d0 = static_cast<size_t>(c0) * kN;
      float* o = O + static_cast<size_t>(h0) * hdp + d0;
      const float* p = P + static_cast<size_t>(h0) * hs;
      if (!direct) {  // KP == 1 here (ScoresGroups needs hd % kN == 0)
        PickTile<false, 1>(nh, nv)(Vc + d0, hdp, it.k1 - it.k0, p, hs, js, o, hdp);
        continue;
      }
      const TileFn tile = it.f16 ? PickTile<true, KP>(nh, nv) : PickTile<false, KP>(nh, nv);
      size_t pair0 = 0;  // KP > 1: first group of the segment
      ForEachSegment(it.qv, it.k0, it.k1, [&](int32_t, int32_t slot0, int32_t j0, int32_t cnt) {
        const void* v = it.f16 ? static_cast<const void*>(static_cast<const uint16_t*>(it.v_row(slot0)) + d0)
                               : static_cast<const void*>(static_cast<const float*>(it.v_row(slot0)) + d0);
        const size_t off = KP == 1 ? static_cast<size_t>(j0) * js : pair0 * js;
        tile(v, kv_dim, cnt, p + off, hs, js, o, hdp);
        pair0 += static_cast<size_t>(cnt + KP - 1) / KP;
      });
    }
  }
  for (int32_t gi = 0; gi < G; ++gi) {
    const float* o = O + static_cast<size_t>(gi) * hdp;
    std::copy(o, o + hd, it.part + static_cast<size_t>(gi) * (hd + 2));
  }
}

void FlashItem(const AttentionArgs& a, const QueryView& qv, int32_t g, int32_t k0, int32_t k1, int32_t key_chunk,
               float* scratch, float* part) {
  const Item it(a, qv, g, k0, k1, key_chunk, scratch, part);
  float* S = scratch + it.L.s;  // scores, then probabilities: [G][ss] or [n][G]
  const size_t Gs = static_cast<size_t>(it.G);
#if HWY_TARGET != HWY_SCALAR
  // Groups of KP keys x G heads fill a vector (KP G == kN): ScoresGroups,
  // when S holds the lanes that each span's last group wastes: (KP - 1) per
  // span, 16 floats of slack per head -> at most 16 / (KP - 1) spans.
  const size_t kp = kN % Gs == 0 ? kN / Gs : 0;
  if ((kp == 2 || kp == 4) && it.hd % kN == 0) {
    int32_t n_seg = 0;
    ForEachSegment(qv, k0, k1, [&](int32_t, int32_t, int32_t, int32_t) { ++n_seg; });
    if (n_seg <= 16 / static_cast<int32_t>(kp - 1)) {
      if (kp == 2) {
        ScoresGroups<2>(it, S);
        ValueSums<2>(it, S, 2, kN);
      } else {
        ScoresGroups<4>(it, S);
        ValueSums<4>(it, S, 4, kN);
      }
      return;
    }
  }
#endif
  if (it.G % 16 == 0 && kN >= 16) {
    ScoresHeadLanes<16>(it, S);
  } else if (it.G % 8 == 0 && kN >= 8) {
    ScoresHeadLanes<8>(it, S);
  } else if (it.G % 4 == 0 && kN >= 4 && kN <= 8) {
    ScoresHeadLanes<4>(it, S);
  } else {
    ScoresBlocked(it, S);
    ValueSums<1>(it, S, it.L.ss, 1);
    return;
  }
  ValueSums<1>(it, S, 1, Gs);
}

}  // namespace HWY_NAMESPACE
}  // namespace sinkstream::backend::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace sinkstream::backend::cpu {

FlashItemFn flash_item_kernel(int64_t target) {
#if HWY_TARGETS & HWY_AVX3_DL
  if (target == HWY_AVX3_DL) return &N_AVX3_DL::FlashItem;
#endif
#if HWY_TARGETS & HWY_AVX3
  if (target == HWY_AVX3) return &N_AVX3::FlashItem;
#endif
#if HWY_TARGETS & HWY_AVX2
  if (target == HWY_AVX2) return &N_AVX2::FlashItem;
#endif
#if HWY_TARGETS & HWY_SSE4
  if (target == HWY_SSE4) return &N_SSE4::FlashItem;
#endif
#if HWY_TARGETS & HWY_SSSE3
  if (target == HWY_SSSE3) return &N_SSSE3::FlashItem;
#endif
  (void)target;
#if HWY_TARGETS & HWY_EMU128
  return &N_EMU128::FlashItem;
#else
  return &N_SCALAR::FlashItem;
#endif
}

}  // namespace sinkstream::backend::cpu
#endif  // HWY_ONCE
