// The row-panel GEMM for Q8_0 / Q4_0 on AVX-512 VNNI (Highway target AVX3_DL):
// weights in the panel layout of panels.hpp, 16 rows per 512-bit vector, one
// int32 lane per row. Included by kernels_hwy.cpp after qmm_avx512-inl.h (in
// its namespace qmm512), once per target (no include guard); code only in the
// AVX3_DL pass.
//
// Per panel, block b and token t (u: the block's bytes as unsigned, 8 vectors
// of [16 rows][4 weights]; x: the token's 32 int8 activations, act_quant.hpp):
//   is     = -m * qsum + sum_g dpbusd(u[g], broadcast(x[4g .. 4g+3]))   (int32, exact)
//            (Q8_0: u = q + 128, m = 128; Q4_0: u = the nibble = w + 8, m = 8)
//   acc[t] = fma(float(is), d_w[16 rows] * d_x[b], acc[t])
// (qsum: QActs::qsum, the sum of the block's 32 x), and lane r of acc[t] is
// the dot of row 16P + r with token t. Every (row, token) sees the same
// operations whatever T, the token tile and the row range, so a row gives the
// same bits in a prefill chunk and alone.
#if HWY_TARGET == HWY_AVX3_DL

namespace qmm512 {

// The 8 unsigned weight vectors of one block of a panel (group g: weights 4g..4g+3 of each row).
template <bool kQ4>
HWY_INLINE void UnpackPanelBlock(const uint8_t* qs, __m512i (&u)[8]) {
  if constexpr (kQ4) {
    const __m512i lo = _mm512_set1_epi8(0x0F);
    for (int j = 0; j < 4; ++j) {
      const __m512i v = _mm512_load_si512(qs + 64 * j);
      u[j] = _mm512_and_si512(v, lo);                          // weights 4j .. 4j+3
      u[j + 4] = _mm512_and_si512(_mm512_srli_epi16(v, 4), lo);  // weights 16+4j .. 16+4j+3
    }
  } else {
    const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
    for (int j = 0; j < 8; ++j) u[j] = _mm512_xor_si512(_mm512_load_si512(qs + 64 * j), bias);
  }
}

// acc + dot4(u, x[0..3] in every lane): vpdpbusd with the 4 activation bytes
// as an embedded broadcast from memory (GCC would load and broadcast them
// into a register first: one more instruction per vpdpbusd). Inline assembly
// for both compilers, for the reason Dpbusd gives (qmm_avx512-inl.h).
HWY_INLINE __m512i DpbusdBcast(__m512i acc, __m512i u, const int8_t* x) {
  asm("vpdpbusd %2%{1to16%}, %1, %0" : "+v"(acc) : "v"(u), "m"(*reinterpret_cast<const int32_t*>(x)));
  return acc;
}

// Tokens t0 .. t0+NT-1 against panel `panel`: acc lanes = its 16 rows.
template <bool kQ4, int NT>
HWY_INLINE void PanelTile(const Panels& w, int64_t panel, const QActs& X, int64_t t0, __m512 (&acc)[NT]) {
  constexpr int32_t m = kQ4 ? 8 : 128;
  const int64_t nb = X.nb;
  const uint8_t* base = w.panel(panel);
  const int8_t* xq[NT];
  const float* xd[NT];
  const int32_t* xc[NT];
  for (int t = 0; t < NT; ++t) {
    acc[t] = _mm512_setzero_ps();
    xq[t] = X.row_q(t0 + t);
    xd[t] = X.row_d(t0 + t);
    xc[t] = X.row_qsum(t0 + t);
  }
  for (int64_t b = 0; b < nb; ++b) {
    __m512i u[8];
    UnpackPanelBlock<kQ4>(base + w.qs_offset(b), u);
    const __m512 dw = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(base + w.d_offset(b))));
    for (int t = 0; t < NT; ++t) {
      const int8_t* x = xq[t] + b * kQActBlock;
      // Two chains of 4 (integer sums: the split changes no bit).
      __m512i i0 = _mm512_set1_epi32(-m * xc[t][b]), i1 = _mm512_setzero_si512();
      for (int g = 0; g < 4; ++g) {
        i0 = DpbusdBcast(i0, u[g], x + 4 * g);
        i1 = DpbusdBcast(i1, u[g + 4], x + 16 + 4 * g);
      }
      const __m512 is = _mm512_cvtepi32_ps(_mm512_add_epi32(i0, i1));
      acc[t] = _mm512_fmadd_ps(is, _mm512_mul_ps(dw, _mm512_set1_ps(xd[t][b])), acc[t]);
    }
  }
}

// Lanes [lo, hi) of acc[t] into Y[(t0 + t) * ldy + row0 + lane].
template <int NT>
HWY_INLINE void PanelStore(const __m512 (&acc)[NT], int64_t t0, int64_t row0, int lo, int hi, float* Y, int64_t ldy) {
  for (int t = 0; t < NT; ++t) {
    float* y = Y + (t0 + t) * ldy + row0;
    if (lo == 0 && hi == kPanelRows) {
      _mm512_storeu_ps(y, acc[t]);
    } else {
      alignas(64) float o[kPanelRows];
      _mm512_store_ps(o, acc[t]);
      for (int r = lo; r < hi; ++r) y[r] = o[r];
    }
  }
}

// The Q8_0 / Q4_0 panel tile as a tile source of PanelRowsOf.
template <bool kQ4>
struct LegacyPanel {
  template <int NT>
  static HWY_INLINE void Tile(const Panels& w, int64_t panel, const QActs& X, int64_t t0, __m512 (&acc)[NT]) {
    PanelTile<kQ4, NT>(w, panel, X, t0, acc);
  }
};

// Rows [r0, r1) of a panel matrix against all T tokens: Y[t * ldy + r], by
// tiles of Src::Tile<NT> (panel p against tokens t .. t+NT-1, 16 lanes = rows).
template <class Src>
void PanelRowsOf(const Panels& w, const QActs& X, int64_t T, int64_t r0, int64_t r1, float* Y, int64_t ldy) {
  constexpr int NT = 4;
  for (int64_t p = r0 / kPanelRows; p * kPanelRows < r1; ++p) {
    const int64_t row0 = p * kPanelRows;
    const int lo = static_cast<int>(std::max(r0, row0) - row0), hi = static_cast<int>(std::min(r1, row0 + kPanelRows) - row0);
    int64_t t = 0;
    for (; t + NT <= T; t += NT) {
      __m512 acc[NT];
      Src::template Tile<NT>(w, p, X, t, acc);
      PanelStore<NT>(acc, t, row0, lo, hi, Y, ldy);
    }
    switch (T - t) {
      case 3: { __m512 acc[3]; Src::template Tile<3>(w, p, X, t, acc); PanelStore<3>(acc, t, row0, lo, hi, Y, ldy); break; }
      case 2: { __m512 acc[2]; Src::template Tile<2>(w, p, X, t, acc); PanelStore<2>(acc, t, row0, lo, hi, Y, ldy); break; }
      case 1: { __m512 acc[1]; Src::template Tile<1>(w, p, X, t, acc); PanelStore<1>(acc, t, row0, lo, hi, Y, ldy); break; }
      default: break;
    }
  }
}

template <bool kQ4>
void PanelRows(const Panels& w, const QActs& X, int64_t T, int64_t r0, int64_t r1, float* Y, int64_t ldy) {
  PanelRowsOf<LegacyPanel<kQ4>>(w, X, T, r0, r1, Y, ldy);
}

}  // namespace qmm512

#endif  // HWY_TARGET == HWY_AVX3_DL
