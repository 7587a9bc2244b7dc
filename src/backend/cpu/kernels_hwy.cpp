// Highway kernels, compiled once per target by foreach_target (see kernels.hpp).
// Shapes: a weight row is `cols` elements in w.row_bytes bytes; X / QActs hold
// T activation rows of `cols`; Y is [T][ldy]. Tokens are processed 4 at a time
// so that a decoded weight block is reused (the GEMM path of prefill chunks).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backend/cpu/kernels_hwy.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// foreach_target re-includes this file once per target, then once more with HWY_ONCE.
#include "hwy/highway.h"
#include "hwy/contrib/math/math-inl.h"
#include "backend/cpu/exp_sub-inl.h"  // NOLINT(build/include): per-target code

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <vector>

#include "backend/cpu/kernels.hpp"
#include "backend/cpu/panels.hpp"
#include "core/f16.hpp"
#include "core/quant/block_io.hpp"
#include "core/quant/kquants.hpp"
#include "core/quant/mxfp4.hpp"

HWY_BEFORE_NAMESPACE();
#if HWY_TARGET == HWY_AVX3_DL
// Highway 1.0's AVX3_DL target string enables AVX-VNNI (the VEX encoding, which
// its runtime check does not require: Zen 4 and Ice Lake lack it) but not
// AVX512-VNNI, which the 512-bit vpdpbusd needs (qmm_avx512-inl.h). 256-bit
// vpdpwssd is written as EVEX inline assembly (Madd) for the same reason.
#pragma GCC target("avx512vnni")
#endif
namespace sinkstream::backend::cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// ---------------------------------------------------------------- plain types
enum PlainKind { kPF32 = 0, kPF16 = 1, kPBF16 = 2 };

template <int kKind, class D>
HWY_INLINE hn::Vec<D> LoadW(D df, const uint8_t* row, size_t i) {
  if constexpr (kKind == kPF32) {
    return hn::LoadU(df, reinterpret_cast<const float*>(row) + i);
  } else if constexpr (kKind == kPF16) {
    const hn::Rebind<hwy::float16_t, D> dh;
    return hn::PromoteTo(df, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(row) + i));
  } else {
    const hn::Rebind<uint16_t, D> du16;
    const hn::Rebind<uint32_t, D> du32;
    return hn::BitCast(df, hn::ShiftLeft<16>(hn::PromoteTo(du32, hn::LoadU(du16, reinterpret_cast<const uint16_t*>(row) + i))));
  }
}

template <int kKind>
HWY_INLINE float LoadWScalar(const uint8_t* row, size_t i) {
  if constexpr (kKind == kPF32) {
    float v;
    std::memcpy(&v, row + 4 * i, 4);
    return v;
  } else if constexpr (kKind == kPF16) {
    return core::quant::load_f16(row + 2 * i);
  } else {
    return core::bf16_to_f32(static_cast<uint16_t>(row[2 * i] | (row[2 * i + 1] << 8)));
  }
}

// out[r * ldo + t] = dot(rows[r], X[t * cols ..]) for r < R, t < NT. Each
// (row, token) gets the same operations whatever R and NT: two independent
// accumulators over alternating vectors, then the vector tail, the lane sum and
// the scalar tail. So a row gives the same bits in a chunk as alone (prefill ==
// token-by-token decoding).
template <int kKind, int R, int NT>
HWY_INLINE void TilePlain(const uint8_t* const* rows, const float* X, size_t cols, float* out, int64_t ldo) {
  const hn::ScalableTag<float> df;
  const size_t N = hn::Lanes(df);
  constexpr int U = 2;
  hn::Vec<decltype(df)> acc[R][NT][U];
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < NT; ++t)
      for (int u = 0; u < U; ++u) acc[r][t][u] = hn::Zero(df);
  size_t i = 0;
  for (; i + U * N <= cols; i += U * N) {
    for (int u = 0; u < U; ++u) {
      hn::Vec<decltype(df)> w[R];
      for (int r = 0; r < R; ++r) w[r] = LoadW<kKind>(df, rows[r], i + u * N);
      for (int t = 0; t < NT; ++t) {
        const auto x = hn::LoadU(df, X + t * cols + i + u * N);
        for (int r = 0; r < R; ++r) acc[r][t][u] = hn::MulAdd(w[r], x, acc[r][t][u]);
      }
    }
  }
  for (; i + N <= cols; i += N) {
    for (int r = 0; r < R; ++r) {
      const auto w = LoadW<kKind>(df, rows[r], i);
      for (int t = 0; t < NT; ++t) acc[r][t][0] = hn::MulAdd(w, hn::LoadU(df, X + t * cols + i), acc[r][t][0]);
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < NT; ++t) {
      for (int u = 1; u < U; ++u) acc[r][t][0] = hn::Add(acc[r][t][0], acc[r][t][u]);
      float s = hn::GetLane(hn::SumOfLanes(df, acc[r][t][0]));
      for (size_t j = i; j < cols; ++j) s += LoadWScalar<kKind>(rows[r], j) * X[t * cols + j];
      out[r * ldo + t] = s;
    }
  }
}

// All T tokens against R rows: Y[t * ldy + r] for r < R, in tiles of R rows x
// 2 tokens (prefill: each X row is read once per R weight rows, not per row).
template <int kKind, int R>
HWY_INLINE void PlainTokenTiles(const uint8_t* const* rows, const float* X, int64_t T, size_t cols, float* Y,
                                int64_t ldy) {
  constexpr int NT = 2;
  float o[R * NT];
  int64_t t = 0;
  for (; t + NT <= T; t += NT) {
    TilePlain<kKind, R, NT>(rows, X + static_cast<size_t>(t) * cols, cols, o, NT);
    for (int r = 0; r < R; ++r)
      for (int k = 0; k < NT; ++k) Y[(t + k) * ldy + r] = o[r * NT + k];
  }
  for (; t < T; ++t) {
    TilePlain<kKind, R, 1>(rows, X + static_cast<size_t>(t) * cols, cols, o, 1);
    for (int r = 0; r < R; ++r) Y[t * ldy + r] = o[r];
  }
}

template <int kKind>
void RowsPlainT(const WeightRows& w, const float* X, int64_t T, int64_t r0, int64_t r1, float* Y, int64_t ldy) {
  const size_t cols = static_cast<size_t>(w.cols);
  const auto row = [&](int64_t r) { return w.data + static_cast<size_t>(r) * w.row_bytes; };
  constexpr int R = 4;
  int64_t r = r0;
  // Decode steps too: 4 rows at once decoded F16 5-13% faster than one row at a
  // time (2026-12-05, TinyLlama F16, 3 interleaved rounds).
  for (; r + R <= r1; r += R) {
    const uint8_t* rows[R] = {row(r), row(r + 1), row(r + 2), row(r + 3)};
    PlainTokenTiles<kKind, R>(rows, X, T, cols, Y + r, ldy);
  }
  for (; r < r1; ++r) {
    const uint8_t* rows[1] = {row(r)};
    PlainTokenTiles<kKind, 1>(rows, X, T, cols, Y + r, ldy);
  }
}

void RowsPlain(const WeightRows& w, const float* X, int64_t T, int64_t r0, int64_t r1, float* Y, int64_t ldy) {
  switch (w.type) {
    case core::DType::kF32: RowsPlainT<kPF32>(w, X, T, r0, r1, Y, ldy); break;
    case core::DType::kF16: RowsPlainT<kPF16>(w, X, T, r0, r1, Y, ldy); break;
    case core::DType::kBF16: RowsPlainT<kPBF16>(w, X, T, r0, r1, Y, ldy); break;
    default: break;
  }
}

// ---------------------------------------------------------------- block quants
// 16-bit lanes (at most 16: 256-bit vectors; Zen 4 executes 512-bit ops as two
// 256-bit halves anyway), their int32 / f32 repartitions, and 8-bit sources.
using D16 = hn::CappedTag<int16_t, 16>;
using DU16 = hn::RebindToUnsigned<D16>;
using D8 = hn::Rebind<int8_t, D16>;
using DU8 = hn::Rebind<uint8_t, D16>;
using D32 = hn::Repartition<int32_t, D16>;
using DF = hn::Repartition<float, D16>;
using V16 = hn::Vec<D16>;
using V32 = hn::Vec<D32>;
using VF = hn::Vec<DF>;

HWY_INLINE V16 LoadU8(const uint8_t* p) {
  const D16 d16;
  const DU16 du16;
  const DU8 du8;
  return hn::BitCast(d16, hn::PromoteTo(du16, hn::LoadU(du8, p)));
}

// Integer dot of w with the activations x (same lanes; int8, widened here),
// accumulated pairwise into s0/s1.
HWY_INLINE void Madd(V16 w, const int8_t* x, V32& s0, V32& s1) {
  const D16 d16;
  const D8 d8;
  const D32 d32;
  const V16 xv = hn::PromoteTo(d16, hn::LoadU(d8, x));
#if HWY_TARGET == HWY_AVX3_DL
  // AVX512-VNNI: multiply, pairwise add and accumulate in one instruction.
  (void)d32;
  (void)s1;
  // (the intrinsic would be VEX-encoded, see the note at the top of the namespace)
  __m256i acc = s0.raw;
  asm("%{evex%} vpdpwssd %2, %1, %0" : "+v"(acc) : "v"(w.raw), "v"(xv.raw));
  s0 = V32{acc};
#else
  s0 = hn::ReorderWidenMulAccumulate(d32, w, xv, s0, s1);
#endif
}

template <int NT>
struct QState {
  const int8_t* xq[NT];
  const float* xd[NT];
  const float* xs[NT];
  VF acc[NT];
  float mins[NT];
};

template <int NT>
HWY_INLINE void QInit(QState<NT>& st, const QActs& X, int64_t t0) {
  const DF df;
  for (int t = 0; t < NT; ++t) {
    st.xq[t] = X.row_q(t0 + t);
    st.xd[t] = X.row_d(t0 + t);
    st.xs[t] = X.row_s(t0 + t);
    st.acc[t] = hn::Zero(df);
    st.mins[t] = 0.0f;
  }
}

template <int NT>
HWY_INLINE void QFinish(QState<NT>& st, float* out) {
  const DF df;
  for (int t = 0; t < NT; ++t) out[t] = hn::GetLane(hn::SumOfLanes(df, st.acc[t])) - st.mins[t];
}

// Q8_0 (34 B / 32): f16 d, i8 qs[32].
template <int NT>
HWY_INLINE void DotQ8_0(const uint8_t* row, int64_t nb, QState<NT>& st) {
  const D16 d16;
  const D8 d8;
  const D32 d32;
  const DF df;
  const size_t N = hn::Lanes(d16);
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk = row + b * 34;
    const float dw = core::quant::load_f16(blk);
    const int8_t* q = reinterpret_cast<const int8_t*>(blk + 2);
    V32 s0[NT], s1[NT];
    for (int t = 0; t < NT; ++t) s0[t] = s1[t] = hn::Zero(d32);
    for (size_t i = 0; i < 32; i += N) {
      const V16 w = hn::PromoteTo(d16, hn::LoadU(d8, q + i));
      for (int t = 0; t < NT; ++t) Madd(w, st.xq[t] + b * 32 + i, s0[t], s1[t]);
    }
    for (int t = 0; t < NT; ++t) {
      st.acc[t] = hn::MulAdd(hn::Set(df, dw * st.xd[t][b]), hn::ConvertTo(df, hn::Add(s0[t], s1[t])), st.acc[t]);
    }
  }
}

// Blocks of 32 values as 16 bytes of nibbles (x[j] low, x[j + 16] high) at byte kQs of a
// kBytes-byte block whose scale scale(blk) gives: sum_b scale * d_x * (int dot of decode(nibbles), x).
template <int NT, size_t kBytes, size_t kQs, class Scale, class Decode>
HWY_INLINE void DotNibbleBlocks(const uint8_t* row, int64_t nb, QState<NT>& st, Scale scale, Decode decode) {
  const D16 d16;
  const D32 d32;
  const DF df;
  const size_t N = hn::Lanes(d16);
  const V16 k15 = hn::Set(d16, 15);
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk = row + b * static_cast<int64_t>(kBytes);
    const float dw = scale(blk);
    V32 s0[NT], s1[NT];
    for (int t = 0; t < NT; ++t) s0[t] = s1[t] = hn::Zero(d32);
    for (size_t i = 0; i < 16; i += N) {
      const V16 raw = LoadU8(blk + kQs + i);
      const V16 lo = decode(hn::And(raw, k15));
      const V16 hi = decode(hn::ShiftRight<4>(raw));
      for (int t = 0; t < NT; ++t) {
        Madd(lo, st.xq[t] + b * 32 + i, s0[t], s1[t]);
        Madd(hi, st.xq[t] + b * 32 + 16 + i, s0[t], s1[t]);
      }
    }
    for (int t = 0; t < NT; ++t) {
      st.acc[t] = hn::MulAdd(hn::Set(df, dw * st.xd[t][b]), hn::ConvertTo(df, hn::Add(s0[t], s1[t])), st.acc[t]);
    }
  }
}

// Q4_0 (18 B / 32): f16 d, u8 qs[16]; x[j] = d * ((qs[j] & 15) - 8), x[j + 16] = d * ((qs[j] >> 4) - 8).
template <int NT>
HWY_INLINE void DotQ4_0(const uint8_t* row, int64_t nb, QState<NT>& st) {
  const V16 k8 = hn::Set(D16(), 8);
  DotNibbleBlocks<NT, 18, 2>(row, nb, st, [](const uint8_t* blk) { return core::quant::load_f16(blk); },
                             [k8](V16 q) { return hn::Sub(q, k8); });
}

// MXFP4 (17 B / 32): u8 e, u8 qs[16] (core/quant/mxfp4.hpp); x[j] = v(qs[j] & 15) * 2^(e-128),
// x[j + 16] = v(qs[j] >> 4) * 2^(e-128), with v the doubled E2M1 value of a code, computed here
// as integers: m = code & 7 gives m for m < 4, else (2 + (m & 1)) * (2 + 2 * ((m >> 1) & 1)),
// negated when code & 8.
HWY_INLINE V16 Mxfp4Values(V16 code) {
  const D16 d16;
  const V16 k1 = hn::Set(d16, 1), k2 = hn::Set(d16, 2), k4 = hn::Set(d16, 4), k7 = hn::Set(d16, 7),
            k8 = hn::Set(d16, 8);
  const V16 m = hn::And(code, k7);
  const V16 big = hn::Mul(hn::Add(k2, hn::And(m, k1)), hn::Add(k2, hn::Add(hn::And(hn::ShiftRight<1>(m), k1),
                                                                            hn::And(hn::ShiftRight<1>(m), k1))));
  const V16 mag = hn::IfThenElse(hn::Lt(m, k4), m, big);
  return hn::IfThenElse(hn::Eq(hn::And(code, k8), k8), hn::Neg(mag), mag);
}

template <int NT>
HWY_INLINE void DotMXFP4(const uint8_t* row, int64_t nb, QState<NT>& st) {
  DotNibbleBlocks<NT, 17, 1>(row, nb, st, [](const uint8_t* blk) { return core::quant::mxfp4_half_scale(blk[0]); },
                             [](V16 q) { return Mxfp4Values(q); });
}

// Q4_K (144 B / 256) and Q5_K (176 B / 256, kFive: the 5th bit from qh[32] at
// byte 16): layouts in core/quant/kquants.hpp.
template <int NT, bool kFive>
HWY_INLINE void DotQ45_K(const uint8_t* row, int64_t nsb, QState<NT>& st) {
  const D16 d16;
  const D32 d32;
  const DF df;
  const size_t N = hn::Lanes(d16);
  const V16 k15 = hn::Set(d16, 15), k1 = hn::Set(d16, 1);
  constexpr int64_t kBytes = kFive ? 176 : 144, kQs = kFive ? 48 : 16;
  for (int64_t sb = 0; sb < nsb; ++sb) {
    const uint8_t* blk = row + sb * kBytes;
    const float d = core::quant::load_f16(blk), dmin = core::quant::load_f16(blk + 2);
    const uint8_t* qs = blk + kQs;
    int sc[8], m[8];
    core::quant::unpack_scales_mins(blk + 4, sc, m);
    for (int c = 0; c < 4; ++c) {
      V32 a0[NT], a1[NT], b0[NT], b1[NT];
      for (int t = 0; t < NT; ++t) a0[t] = a1[t] = b0[t] = b1[t] = hn::Zero(d32);
      const int64_t xo = sb * 256 + 64 * c;
      for (size_t i = 0; i < 32; i += N) {
        const V16 raw = LoadU8(qs + 32 * c + i);
        V16 lo = hn::And(raw, k15), hi = hn::ShiftRight<4>(raw);
        if constexpr (kFive) {
          const V16 qh = LoadU8(blk + 16 + i);
          lo = hn::Or(lo, hn::ShiftLeft<4>(hn::And(hn::ShiftRightSame(qh, 2 * c), k1)));
          hi = hn::Or(hi, hn::ShiftLeft<4>(hn::And(hn::ShiftRightSame(qh, 2 * c + 1), k1)));
        }
        for (int t = 0; t < NT; ++t) {
          Madd(lo, st.xq[t] + xo + i, a0[t], a1[t]);
          Madd(hi, st.xq[t] + xo + 32 + i, b0[t], b1[t]);
        }
      }
      const int64_t xb = sb * 8 + 2 * c;
      for (int t = 0; t < NT; ++t) {
        st.acc[t] = hn::MulAdd(hn::Set(df, d * static_cast<float>(sc[2 * c]) * st.xd[t][xb]),
                               hn::ConvertTo(df, hn::Add(a0[t], a1[t])), st.acc[t]);
        st.acc[t] = hn::MulAdd(hn::Set(df, d * static_cast<float>(sc[2 * c + 1]) * st.xd[t][xb + 1]),
                               hn::ConvertTo(df, hn::Add(b0[t], b1[t])), st.acc[t]);
        st.mins[t] += dmin * (static_cast<float>(m[2 * c]) * st.xs[t][xb] +
                              static_cast<float>(m[2 * c + 1]) * st.xs[t][xb + 1]);
      }
    }
  }
}

// Q6_K (210 B / 256): ql[128], qh[64], i8 scales[16], f16 d; layout in core/quant/kquants.hpp.
template <int NT>
HWY_INLINE void DotQ6_K(const uint8_t* row, int64_t nsb, QState<NT>& st) {
  const D16 d16;
  const D32 d32;
  const DF df;
  const size_t N = hn::Lanes(d16);
  const V16 k15 = hn::Set(d16, 15), k3 = hn::Set(d16, 3), k32 = hn::Set(d16, 32);
  for (int64_t sb = 0; sb < nsb; ++sb) {
    const uint8_t* blk = row + sb * 210;
    const uint8_t* ql = blk;
    const uint8_t* qh = blk + 128;
    const auto* sc = reinterpret_cast<const int8_t*>(blk + 192);
    const float d = core::quant::load_f16(blk + 208);
    for (int h = 0; h < 2; ++h) {
      for (size_t l0 = 0; l0 < 32; l0 += N) {
        const V16 a = LoadU8(ql + 64 * h + l0), bq = LoadU8(ql + 64 * h + 32 + l0), hq = LoadU8(qh + 32 * h + l0);
        V16 e[4];
        e[0] = hn::Sub(hn::Or(hn::And(a, k15), hn::ShiftLeft<4>(hn::And(hq, k3))), k32);
        e[1] = hn::Sub(hn::Or(hn::And(bq, k15), hn::ShiftLeft<4>(hn::And(hn::ShiftRight<2>(hq), k3))), k32);
        e[2] = hn::Sub(hn::Or(hn::ShiftRight<4>(a), hn::ShiftLeft<4>(hn::And(hn::ShiftRight<4>(hq), k3))), k32);
        e[3] = hn::Sub(hn::Or(hn::ShiftRight<4>(bq), hn::ShiftLeft<4>(hn::ShiftRight<6>(hq))), k32);
        for (int k = 0; k < 4; ++k) {
          const int64_t idx = 128 * h + 32 * k + static_cast<int64_t>(l0);  // element index in the super-block
          const float dk = d * static_cast<float>(sc[idx / 16]);
          for (int t = 0; t < NT; ++t) {
            V32 p0 = hn::Zero(d32), p1 = hn::Zero(d32);
            Madd(e[k], st.xq[t] + sb * 256 + idx, p0, p1);
            st.acc[t] = hn::MulAdd(hn::Set(df, dk * st.xd[t][sb * 8 + idx / 32]), hn::ConvertTo(df, hn::Add(p0, p1)),
                                   st.acc[t]);
          }
        }
      }
    }
  }
}

template <int NT>
HWY_INLINE void DotQ(core::DType type, const uint8_t* row, int64_t cols, const QActs& X, int64_t t0, float* out) {
  QState<NT> st;
  QInit(st, X, t0);
  switch (type) {
    case core::DType::kQ8_0: DotQ8_0(row, cols / 32, st); break;
    case core::DType::kQ4_0: DotQ4_0(row, cols / 32, st); break;
    case core::DType::kQ4_K: DotQ45_K<NT, false>(row, cols / 256, st); break;
    case core::DType::kQ5_K: DotQ45_K<NT, true>(row, cols / 256, st); break;
    case core::DType::kQ6_K: DotQ6_K(row, cols / 256, st); break;
    case core::DType::kMXFP4: DotMXFP4(row, cols / 32, st); break;
    default: break;
  }
  QFinish(st, out);
}

#include "backend/cpu/qmm_avx2-inl.h"    // NOLINT(build/include): per-target code (AVX2, AVX3 only)
#include "backend/cpu/qmm_avx512-inl.h"  // NOLINT(build/include): per-target code (AVX3_DL only)
#include "backend/cpu/qmm_panels_avx512-inl.h"  // NOLINT(build/include): per-target code (AVX3_DL only)
#include "backend/cpu/qmm_panels_kquants_avx512-inl.h"  // NOLINT(build/include): per-target code (AVX3_DL only)
#include "backend/cpu/plain_panels-inl.h"  // NOLINT(build/include): per-target code (every target)

#if HWY_TARGET == HWY_AVX3_DL
void RowsPanels(const Panels& w, const QActs& X, int64_t T, int64_t r0, int64_t r1, float* Y, int64_t ldy) {
  switch (w.type) {
    case core::DType::kQ4_0: qmm512::PanelRows<true>(w, X, T, r0, r1, Y, ldy); break;
    case core::DType::kQ8_0: qmm512::PanelRows<false>(w, X, T, r0, r1, Y, ldy); break;
    case core::DType::kQ4_K: qmm512::PanelRowsOf<qmm512::KPanel45<false>>(w, X, T, r0, r1, Y, ldy); break;
    case core::DType::kQ5_K: qmm512::PanelRowsOf<qmm512::KPanel45<true>>(w, X, T, r0, r1, Y, ldy); break;
    case core::DType::kQ6_K: qmm512::PanelRowsOf<qmm512::KPanel6>(w, X, T, r0, r1, Y, ldy); break;
    default: break;
  }
}
#endif

void RowsQ(const WeightRows& w, const QActs& X, int64_t T, int64_t r0, int64_t r1, float* Y, int64_t ldy) {
#if HWY_TARGET == HWY_AVX3_DL
  if (w.type == core::DType::kQ8_0) return qmm512::Rows<qmm512::PairQ8_0>(w, X, T, r0, r1, Y, ldy);
  if (w.type == core::DType::kQ4_0) return qmm512::Rows<qmm512::PairQ4_0>(w, X, T, r0, r1, Y, ldy);
  if (w.type == core::DType::kQ4_K) return qmm512::Rows<qmm512::PairsQ45_K<false>>(w, X, T, r0, r1, Y, ldy);
  if (w.type == core::DType::kQ5_K) return qmm512::Rows<qmm512::PairsQ45_K<true>>(w, X, T, r0, r1, Y, ldy);
  if (w.type == core::DType::kQ6_K) return qmm512::Rows<qmm512::PairsQ6_K>(w, X, T, r0, r1, Y, ldy);
#elif HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_AVX3
  if (w.type == core::DType::kQ8_0) return qmm256::Rows<qmm256::BlockQ8_0>(w, X, T, r0, r1, Y, ldy);
  if (w.type == core::DType::kQ4_0) return qmm256::Rows<qmm256::BlockQ4_0>(w, X, T, r0, r1, Y, ldy);
#endif
  for (int64_t r = r0; r < r1; ++r) {
    const uint8_t* row = w.data + static_cast<size_t>(r) * w.row_bytes;
    int64_t t = 0;
    float o[4];
    for (; t + 4 <= T; t += 4) {
      DotQ<4>(w.type, row, w.cols, X, t, o);
      for (int k = 0; k < 4; ++k) Y[(t + k) * ldy + r] = o[k];
    }
    for (; t < T; ++t) {
      DotQ<1>(w.type, row, w.cols, X, t, o);
      Y[t * ldy + r] = o[0];
    }
  }
}

// ---------------------------------------------------------------- activation quantization
// Same bits as quantize_acts_rows_ref: amax, d = amax / 127, q = round-to-even(x * (1 / d))
// clamped to +-127; a block holding inf or NaN takes the scalar path.
void QuantizeActs(const float* X, int64_t t0, int64_t t1, QActs* out) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<int8_t, decltype(df)> d8;
  const size_t N = hn::Lanes(df);
  static_assert(kQActBlock % 4 == 0, "blocks hold whole vectors");
  const int64_t nb = out->nb, cols = out->cols;
  const auto inf = hn::Set(df, HUGE_VALF);
  const auto k127 = hn::Set(di, 127), km127 = hn::Set(di, -127);
  for (int64_t t = t0; t < t1; ++t) {
    for (int64_t b = 0; b < nb; ++b) {
      const float* x = X + t * cols + b * kQActBlock;
      int8_t* q = out->q.data() + t * out->ldq + b * kQActBlock;
      auto amax = hn::Zero(df);
      bool finite = true;
      for (size_t i = 0; i < static_cast<size_t>(kQActBlock); i += N) {
        const auto a = hn::Abs(hn::LoadU(df, x + i));
        finite = finite && hn::AllTrue(df, hn::Lt(a, inf));
        amax = hn::Max(amax, a);
      }
      if (!finite) {
        quantize_block_ref(x, q, &out->d[static_cast<size_t>(t * nb + b)], &out->s[static_cast<size_t>(t * nb + b)]);
        continue;
      }
      const float d = hn::GetLane(hn::MaxOfLanes(df, amax)) / 127.0f;
      const auto id = hn::Set(df, d > 0.0f ? 1.0f / d : 0.0f);
      auto sum = hn::Zero(di);
      for (size_t i = 0; i < static_cast<size_t>(kQActBlock); i += N) {
        const auto qi = hn::Min(hn::Max(hn::NearestInt(hn::Mul(hn::LoadU(df, x + i), id)), km127), k127);
        sum = hn::Add(sum, qi);
        hn::StoreU(hn::DemoteTo(d8, qi), d8, q + i);
      }
      out->d[static_cast<size_t>(t * nb + b)] = d;
      out->s[static_cast<size_t>(t * nb + b)] = d * static_cast<float>(hn::GetLane(hn::SumOfLanes(di, sum)));
    }
    expand_act_row(t, out);
  }
}

// ---------------------------------------------------------------- attention helpers
float DotF32(const float* q, const float* k, int64_t n) {
  float o;
  const uint8_t* rows[1] = {reinterpret_cast<const uint8_t*>(k)};
  TilePlain<kPF32, 1, 1>(rows, q, static_cast<size_t>(n), &o, 1);
  return o;
}

float DotF16(const float* q, const uint16_t* k, int64_t n) {
  float o;
  const uint8_t* rows[1] = {reinterpret_cast<const uint8_t*>(k)};
  TilePlain<kPF16, 1, 1>(rows, q, static_cast<size_t>(n), &o, 1);
  return o;
}

template <int kKind>
HWY_INLINE void AxpyT(float a, const uint8_t* v, float* o, int64_t n) {
  const hn::ScalableTag<float> df;
  const size_t N = hn::Lanes(df);
  const auto va = hn::Set(df, a);
  size_t i = 0;
  for (; i + N <= static_cast<size_t>(n); i += N) {
    hn::StoreU(hn::MulAdd(va, LoadW<kKind>(df, v, i), hn::LoadU(df, o + i)), df, o + i);
  }
  for (; i < static_cast<size_t>(n); ++i) o[i] += a * LoadWScalar<kKind>(v, i);
}

void AxpyF32(float a, const float* v, float* o, int64_t n) { AxpyT<kPF32>(a, reinterpret_cast<const uint8_t*>(v), o, n); }
void AxpyF16(float a, const uint16_t* v, float* o, int64_t n) {
  AxpyT<kPF16>(a, reinterpret_cast<const uint8_t*>(v), o, n);
}

void Scale(float a, float* o, int64_t n) {
  const hn::ScalableTag<float> df;
  const size_t N = hn::Lanes(df);
  const auto va = hn::Set(df, a);
  size_t i = 0;
  for (; i + N <= static_cast<size_t>(n); i += N) hn::StoreU(hn::Mul(va, hn::LoadU(df, o + i)), df, o + i);
  for (; i < static_cast<size_t>(n); ++i) o[i] *= a;
}

// x[i] = exp(x[i] - m) for i < n; returns the sum (m >= max x: no overflow).
float ExpSub(float* x, int64_t n, float m) { return ExpSubSum(x, static_cast<size_t>(n), m); }

Kernels GetKernels() {
  Kernels k;
  k.target = HWY_TARGET;
  k.rows_plain = &RowsPlain;
  k.rows_q = &RowsQ;
  k.rows_plain_panels = &RowsPlainPanels;
  k.plain_tile = plain_panels::kMaxNT;
#if HWY_TARGET == HWY_AVX3_DL
  k.rows_panels = &RowsPanels;
#endif
  k.quantize_acts = &QuantizeActs;
  k.dot_f32 = &DotF32;
  k.dot_f16 = &DotF16;
  k.axpy_f32 = &AxpyF32;
  k.axpy_f16 = &AxpyF16;
  k.scale = &Scale;
  k.exp_sub = &ExpSub;
  return k;
}

}  // namespace HWY_NAMESPACE
}  // namespace sinkstream::backend::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace sinkstream::backend::cpu {

HWY_EXPORT(GetKernels);

namespace {

const char* target_name(int64_t t) {
  switch (t) {
    case HWY_EMU128: return "scalar";
    case HWY_SCALAR: return "scalar";
    case HWY_SSSE3: return "ssse3";
    case HWY_SSE4: return "sse4";
    case HWY_AVX2: return "avx2";
    case HWY_AVX3: return "avx512";
    case HWY_AVX3_DL: return "avx512vnni";
    default: return "unknown";
  }
}

Kernels named(Kernels k) {
  k.name = target_name(k.target);
  return k;
}

// Every compiled target's table, best (lowest bit) first, whether or not the CPU runs it.
std::vector<Kernels> compiled_tables() {
  std::vector<Kernels> v;
#if HWY_TARGETS & HWY_AVX3_DL
  v.push_back(named(N_AVX3_DL::GetKernels()));
#endif
#if HWY_TARGETS & HWY_AVX3
  v.push_back(named(N_AVX3::GetKernels()));
#endif
#if HWY_TARGETS & HWY_AVX2
  v.push_back(named(N_AVX2::GetKernels()));
#endif
#if HWY_TARGETS & HWY_SSE4
  v.push_back(named(N_SSE4::GetKernels()));
#endif
#if HWY_TARGETS & HWY_SSSE3
  v.push_back(named(N_SSSE3::GetKernels()));
#endif
#if HWY_TARGETS & HWY_EMU128
  v.push_back(named(N_EMU128::GetKernels()));
#endif
#if HWY_TARGETS & HWY_SCALAR
  v.push_back(named(N_SCALAR::GetKernels()));
#endif
  return v;
}

// Supported on this CPU, best first, then the reference table.
const std::vector<Kernels>& tables() {
  static const std::vector<Kernels> v = [] {
    std::vector<Kernels> out;
    const int64_t supported = hwy::SupportedTargets();
    for (const Kernels& k : compiled_tables()) {
      if ((k.target & supported) != 0) out.push_back(k);
    }
    out.push_back(Kernels{});  // "ref"
    return out;
  }();
  return v;
}

}  // namespace

const Kernels* kernels_by_name(const std::string& name) {
  for (const Kernels& k : tables()) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

std::vector<const Kernels*> available_kernels() {
  std::vector<const Kernels*> v;
  for (const Kernels& k : tables()) v.push_back(&k);
  return v;
}

const Kernels& active_kernels() {
  static const Kernels* chosen = [] {
    const char* env = std::getenv("SINKSTREAM_SIMD");
    if (env != nullptr && *env != '\0') {
      if (const Kernels* k = kernels_by_name(env)) return k;
      std::fprintf(stderr, "sinkstream: SINKSTREAM_SIMD=%s is not available here; using the best target\n", env);
    }
    const int64_t best = HWY_DYNAMIC_DISPATCH(GetKernels)().target;  // Highway's own choice
    for (const Kernels& k : tables()) {
      if (k.target == best) return &k;
    }
    return &tables().front();
  }();
  return *chosen;
}

bool kernel_wants_qacts(core::DType t) {
  return t == core::DType::kQ8_0 || t == core::DType::kQ4_0 || t == core::DType::kQ4_K || t == core::DType::kQ5_K ||
         t == core::DType::kQ6_K || t == core::DType::kMXFP4;
}

bool kernel_supports(core::DType t) {
  return kernel_wants_qacts(t) || t == core::DType::kF32 || t == core::DType::kF16 || t == core::DType::kBF16;
}

}  // namespace sinkstream::backend::cpu
#endif  // HWY_ONCE
