// The attention group kernel (see attention_hwy.hpp), compiled once per
// Highway target by foreach_target. Shapes: G = n_head / n_head_kv query heads
// per kv head, hd = head_dim, hdv = hd rounded up to the vector length kN,
// n = keys of the item (<= key_chunk); scratch buffers as in FlashScratch.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backend/cpu/attention_hwy.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// foreach_target re-includes this file once per target, then once more with HWY_ONCE.
#include "hwy/highway.h"
#include "hwy/contrib/math/math-inl.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "backend/cpu/attention_hwy.hpp"
#include "core/f16.hpp"

HWY_BEFORE_NAMESPACE();
namespace sinkstream::cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;
using VF = hn::Vec<DF>;
constexpr size_t kN = hn::MaxLanes(DF());  // floats per vector
static_assert(16 % kN == 0, "rows are padded to 16 floats");
// Vectors per head in one O tile: 4 heads x kTileV accumulators stay in registers
// (16 of 32 zmm on AVX-512, 8 of 16 ymm on AVX2).
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
    if constexpr (kF16) dst[i] = f16_to_f32(static_cast<const uint16_t*>(src)[i]);
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
HWY_INLINE void SumBlocks(D d, hn::Vec<D> s0, hn::Vec<D> s1, hn::Vec<D> s2, hn::Vec<D> s3, float* dots) {
  constexpr size_t N = hn::MaxLanes(D());
  if constexpr (N == 16) {  // blocks [A0 A1 B0 B1] + ... -> [s0 s1 s2 s3]
    const auto ua = hn::Add(hn::ConcatLowerLower(d, s2, s0), hn::ConcatUpperUpper(d, s2, s0));  // s0, s2
    const auto ub = hn::Add(hn::ConcatLowerLower(d, s3, s1), hn::ConcatUpperUpper(d, s3, s1));  // s1, s3
    const auto x = hn::OddEvenBlocks(ub, ua);
    const auto y = hn::OddEvenBlocks(hn::SwapAdjacentBlocks(ub), hn::SwapAdjacentBlocks(ua));
    hn::StoreU(hn::Add(x, y), d, dots);
  } else if constexpr (N == 8) {
    hn::StoreU(hn::Add(hn::ConcatLowerLower(d, s1, s0), hn::ConcatUpperUpper(d, s1, s0)), d, dots);
    hn::StoreU(hn::Add(hn::ConcatLowerLower(d, s3, s2), hn::ConcatUpperUpper(d, s3, s2)), d, dots + 8);
  } else {
    hn::StoreU(s0, d, dots);
    hn::StoreU(s1, d, dots + 4);
    hn::StoreU(s2, d, dots + 8);
    hn::StoreU(s3, d, dots + 12);
  }
}

// dots[4 * i + j] = q[i] . k[i][j] over hdv floats (hdv a multiple of kN).
HWY_INLINE void Dot16(const float* const q[4], const float* const k[4][4], size_t hdv, float* dots) {
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
  SumBlocks(df, s[0], s[1], s[2], s[3], dots);
}
#else   // HWY_SCALAR (one lane): plain dot products
HWY_INLINE void Dot16(const float* const q[4], const float* const k[4][4], size_t hdv, float* dots) {
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) {
      float s = 0.0f;
      for (size_t d = 0; d < hdv; ++d) s += q[i][d] * k[i][j][d];
      dots[4 * i + j] = s;
    }
  }
}
#endif

// o[h * os + d] += sum_j p[h * ps + j] * v[j * stride + d] for h < NH, d < NV * kN,
// j < cnt; v: f32 or f16 rows of `stride` elements. The tile stays in registers.
template <int NH, int NV, bool kF16>
void PvTile(const void* v, size_t stride, int32_t cnt, const float* p, size_t ps, float* o, size_t os) {
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
      const VF ph = hn::Set(df, p[static_cast<size_t>(h) * ps + static_cast<size_t>(j)]);
      for (int c = 0; c < NV; ++c) acc[h][c] = hn::MulAdd(ph, vv[c], acc[h][c]);
    }
  }
  for (int h = 0; h < NH; ++h)
    for (int c = 0; c < NV; ++c) hn::StoreU(acc[h][c], df, o + static_cast<size_t>(h) * os + c * kN);
}

using TileFn = void (*)(const void*, size_t, int32_t, const float*, size_t, float*, size_t);

template <int NH, bool kF16>
TileFn PickTileV(int nv) {
  switch (nv) {
    case 1: return &PvTile<NH, 1, kF16>;
    case 2: return &PvTile<NH, 2, kF16>;
    case 3: return &PvTile<NH, 3, kF16>;
    default: return &PvTile<NH, 4, kF16>;
  }
}

template <bool kF16>
TileFn PickTile(int nh, int nv) {
  switch (nh) {
    case 1: return PickTileV<1, kF16>(nv);
    case 2: return PickTileV<2, kF16>(nv);
    case 3: return PickTileV<3, kF16>(nv);
    default: return PickTileV<4, kF16>(nv);
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
    const KvSpan& s = qv.spans[si];
    const int32_t b = std::max(k0, off), e = std::min(k1, off + s.count);
    if (b < e) fn(si, s.slot_begin + (b - off), b - k0, e - b);
    off += s.count;
  }
}

void FlashItem(const AttentionArgs& a, const QueryView& qv, int32_t g, int32_t k0, int32_t k1, int32_t key_chunk,
               float* scratch, float* part) {
  const int32_t G = a.n_head / a.n_head_kv;
  const size_t hd = static_cast<size_t>(a.head_dim), hdv = (hd + kN - 1) / kN * kN;
  const FlashScratch L = flash_scratch(G, a.head_dim, key_chunk);
  const size_t hdp = L.hdp, ss = L.ss;
  float* Q = scratch + L.q;   // [G4][hdp]
  float* Kb = scratch + L.k;  // [16][hdp]
  float* S = scratch + L.s;   // [G][ss]
  float* Vc = scratch + L.v;  // [n][hdp]
  float* O = scratch + L.o;   // [G4][hdp]
  float* dots = scratch + L.dots;
  const KvCache& cache = *a.cache;
  const size_t kv_off = static_cast<size_t>(g) * hd, kv_dim = static_cast<size_t>(cache.kv_dim());
  const bool f16 = cache.is_f16();
  const bool direct = hd % kN == 0;  // rows usable in place: no padding needed
  const int32_t n = k1 - k0;
  const int64_t* key_pos = cache.slot_pos();

  // A 4 x 4 dot block is (4 heads) x (4 keys) for G >= 3 (heads padded to a
  // multiple of 4 with zero rows), (2 heads) x (8 keys) for G = 2, and
  // (1 head) x (16 keys) for G = 1: block row i is head i % hb, keys 4 (i / hb) + [0, 4).
  const int32_t hb = G >= 3 ? 4 : G, kb = 16 / hb, n_hblk = G >= 3 ? (G + 3) / 4 : 1;
  const size_t rows_q = G >= 3 ? L.G4 : static_cast<size_t>(G);
  for (size_t r = static_cast<size_t>(G); r < rows_q; ++r) std::fill(Q + r * hdp, Q + r * hdp + hdv, 0.0f);

  // Pass 1: scores S[G][n].
  ForEachSegment(qv, k0, k1, [&](int32_t si, int32_t slot0, int32_t j0, int32_t cnt) {
    const KvSpan& span = qv.spans[si];
    for (int32_t gi = 0; gi < G; ++gi) {
      const float* q = qv.q[si] + static_cast<size_t>(g * G + gi) * hd;
      ConvertRow<false>(q, hd, hdv, Q + static_cast<size_t>(gi) * hdp);
    }
    for (int32_t kb0 = 0; kb0 < cnt; kb0 += kb) {
      const int32_t valid = std::min(kb, cnt - kb0);
      const float* kr[16];
      for (int32_t r = 0; r < valid; ++r) {
        const int32_t slot = slot0 + kb0 + r;
        float* dst = Kb + static_cast<size_t>(r) * hdp;
        if (f16) {
          ConvertRow<true>(cache.k16(a.layer, slot) + kv_off, hd, hdv, dst);
          kr[r] = dst;
        } else if (direct) {
          kr[r] = cache.k(a.layer, slot) + kv_off;
        } else {
          ConvertRow<false>(cache.k(a.layer, slot) + kv_off, hd, hdv, dst);
          kr[r] = dst;
        }
      }
      for (int32_t r = valid; r < 16; ++r) kr[r] = kr[0];  // dots computed and dropped
      for (int32_t blk = 0; blk < n_hblk; ++blk) {
        const float* q4[4];
        const float* k44[4][4];
        for (int32_t i = 0; i < 4; ++i) {
          q4[i] = Q + static_cast<size_t>(blk * 4 + i % hb) * hdp;
          for (int32_t j = 0; j < 4; ++j) k44[i][j] = kr[4 * (i / hb) + j];
        }
        Dot16(q4, k44, hdv, dots);
        for (int32_t i = 0; i < 4; ++i) {
          const int32_t gi = blk * 4 + i % hb, kbase = 4 * (i / hb);
          if (gi >= G) continue;
          const int32_t h = g * G + gi;
          float* srow = S + static_cast<size_t>(gi) * ss + static_cast<size_t>(j0 + kb0 + kbase);
          const int32_t c = std::min(4, valid - kbase);
          for (int32_t j = 0; j < c; ++j) {
            float sc = dots[4 * i + j] * a.scale;
            if (a.alibi_slopes != nullptr) {
              sc -= a.alibi_slopes[h] * static_cast<float>(span.q_rot_pos - key_pos[slot0 + kb0 + kbase + j]);
            }
            srow[j] = sc;
          }
        }
      }
    }
  });

  // Pass 2: P = exp(S - m) per head; part[gi] gets (m, l).
  const size_t stride = hd + 2;
  for (int32_t gi = 0; gi < G; ++gi) {
    float* srow = S + static_cast<size_t>(gi) * ss;
    float* p = part + static_cast<size_t>(gi) * stride;
    const float m = MaxRow(srow, n);
    p[hd] = m;
    p[hd + 1] = ExpSubRow(srow, n, m);
  }

  // Pass 3: O[G][hdv] = P[G][n] . V[n][hdv], tile by tile.
  for (int32_t gi = 0; gi < G; ++gi) std::fill(O + static_cast<size_t>(gi) * hdp, O + static_cast<size_t>(gi) * hdp + hdv, 0.0f);
  if (!direct) {  // padded f32 copy of the chunk's values: Vc[n][hdp]
    ForEachSegment(qv, k0, k1, [&](int32_t, int32_t slot0, int32_t j0, int32_t cnt) {
      for (int32_t j = 0; j < cnt; ++j) {
        float* dst = Vc + static_cast<size_t>(j0 + j) * hdp;
        if (f16) ConvertRow<true>(cache.v16(a.layer, slot0 + j) + kv_off, hd, hdv, dst);
        else ConvertRow<false>(cache.v(a.layer, slot0 + j) + kv_off, hd, hdv, dst);
      }
    });
  }
  const int32_t n_vec = static_cast<int32_t>(hdv / kN);
  for (int32_t h0 = 0; h0 < G; h0 += 4) {
    const int32_t nh = std::min(4, G - h0);
    for (int32_t c0 = 0; c0 < n_vec; c0 += kTileV) {
      const int32_t nv = std::min(kTileV, n_vec - c0);
      const size_t d0 = static_cast<size_t>(c0) * kN;
      float* o = O + static_cast<size_t>(h0) * hdp + d0;
      const float* p = S + static_cast<size_t>(h0) * ss;
      if (!direct) {
        PickTile<false>(nh, nv)(Vc + d0, hdp, n, p, ss, o, hdp);
        continue;
      }
      const TileFn tile = f16 ? PickTile<true>(nh, nv) : PickTile<false>(nh, nv);
      ForEachSegment(qv, k0, k1, [&](int32_t, int32_t slot0, int32_t j0, int32_t cnt) {
        const void* v = f16 ? static_cast<const void*>(cache.v16(a.layer, slot0) + kv_off + d0)
                            : static_cast<const void*>(cache.v(a.layer, slot0) + kv_off + d0);
        tile(v, kv_dim, cnt, p + j0, ss, o, hdp);
      });
    }
  }
  for (int32_t gi = 0; gi < G; ++gi) {
    const float* o = O + static_cast<size_t>(gi) * hdp;
    std::copy(o, o + hd, part + static_cast<size_t>(gi) * stride);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace sinkstream::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace sinkstream::cpu {

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

}  // namespace sinkstream::cpu
#endif  // HWY_ONCE
