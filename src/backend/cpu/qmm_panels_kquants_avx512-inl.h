// Row-panel tiles for Q4_K / Q5_K / Q6_K on AVX-512 VNNI (Highway target
// AVX3_DL): weights in the K-quant panel layouts of panels.hpp, 16 rows per
// 512-bit vector, one int32 lane per row. Included by kernels_hwy.cpp after
// qmm_panels_avx512-inl.h (DpbusdBcast, PanelRowsOf), once per target (no
// include guard); code only in the AVX3_DL pass.
//
// Per panel, sub-block j of 32 (block b of the row) and token t (x: the token's
// 32 int8 activations of block b, d_x its scale, s_x = d_x * sum(x), act_quant.hpp):
//   Q4_K / Q5_K: u = the 4- or 5-bit unsigned weight (8 vectors of [16 rows][4 weights])
//     is      = sum_g dpbusd(u[g], broadcast(x[4g .. 4g+3]))            (int32, exact)
//     acc[t]  = fma(float(is), (d * sc_j)[16 rows] * d_x, acc[t])
//     accm[t] = fma((dmin * m_j)[16 rows], s_x, accm[t]);   result acc - accm
//   Q6_K: u = the 6-bit unsigned q (w = q - 32), scales per 16 weights (halves e = 0, 1):
//     is_e    = -32 * sum(x of half e) + sum_{g in half e} dpbusd(u[g], broadcast(x[4g ..]))
//     acc[t]  = fma(float(is_e), (d * scales[2j + e])[16 rows] * d_x, acc[t])   (e = 0, then 1;
//               the blocks of each half of a super-block in the order 0, 2, 1, 3)
// d * sc_j, dmin * m_j and d * scales[k] are exact in f32 (f16 times a 6- or
// 8-bit integer). Every (row, token) sees the same operations whatever T, the
// token tile and the row range, so a row gives the same bits in a prefill
// chunk and alone.
#if HWY_TARGET == HWY_AVX3_DL

namespace qmm512 {

// Byte k of each dword lane of v as int32 (unsigned), k = 0..3.
HWY_INLINE __m512i DwordByte(__m512i v, int k) {
  return _mm512_and_si512(_mm512_srli_epi32(v, static_cast<unsigned>(8 * k)), _mm512_set1_epi32(0xFF));
}

// Q4_K (kFive = false) / Q5_K panels.
template <bool kFive>
struct KPanel45 {
  static constexpr int64_t kChunk = kFive ? 640 : 512;  // bytes of one chunk (2 sub-blocks) of a super-block

  // D[j] = d * sc_j and M[j] = dmin * m_j of super-block sb (16 rows each).
  static HWY_INLINE void ScalesMins(const uint8_t* sb, __m512 (&D)[8], __m512 (&M)[8]) {
    const __m512 d = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(sb)));
    const __m512 dmin = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(sb + 32)));
    const __m512i a0 = _mm512_load_si512(sb + 64), a1 = _mm512_load_si512(sb + 128), a2 = _mm512_load_si512(sb + 192);
    const __m512i k3F = _mm512_set1_epi8(0x3F), k0F = _mm512_set1_epi8(0x0F), k03 = _mm512_set1_epi8(0x03);
    // The unpacking of core::quant::unpack_scales_mins, 4 bytes (sub-blocks) per dword lane;
    // the 32-bit shifts carry bits across bytes only where the masks drop them.
    const __m512i sc03 = _mm512_and_si512(a0, k3F), m03 = _mm512_and_si512(a1, k3F);
    const __m512i sc47 = _mm512_or_si512(_mm512_and_si512(a2, k0F),
                                         _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(a0, 6), k03), 4));
    const __m512i m47 = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(a2, 4), k0F),
                                        _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(a1, 6), k03), 4));
    for (int j = 0; j < 8; ++j) {
      D[j] = _mm512_mul_ps(_mm512_cvtepi32_ps(DwordByte(j < 4 ? sc03 : sc47, j % 4)), d);
      M[j] = _mm512_mul_ps(_mm512_cvtepi32_ps(DwordByte(j < 4 ? m03 : m47, j % 4)), dmin);
    }
  }

  // The 8 unsigned weight vectors of sub-block j (group g: weights 4g .. 4g+3 of each row).
  static HWY_INLINE void Unpack(const uint8_t* sb, int j, __m512i (&u)[8]) {
    const uint8_t* ch = sb + 256 + kChunk * (j / 2);
    const __m512i lo = _mm512_set1_epi8(0x0F);
    for (int g = 0; g < 8; ++g) {
      const __m512i v = _mm512_load_si512(ch + 64 * g);
      u[g] = _mm512_and_si512(j % 2 != 0 ? _mm512_srli_epi16(v, 4) : v, lo);
      if constexpr (kFive) {
        uint64_t bits;
        std::memcpy(&bits, ch + 512 + 64 * (j % 2) + 8 * g, 8);
        const __mmask64 k = _cvtu64_mask64(bits);
        u[g] = _mm512_mask_add_epi8(u[g], k, u[g], _mm512_set1_epi8(16));
      }
    }
  }

  template <int NT>
  static HWY_INLINE void Tile(const Panels& w, int64_t panel, const QActs& X, int64_t t0, __m512 (&out)[NT]) {
    const int64_t ns = w.cols / 256;
    const uint8_t* base = w.panel(panel);
    const int8_t* xq[NT];
    const float* xd[NT];
    const float* xs[NT];
    __m512 acc[NT], accm[NT];
    for (int t = 0; t < NT; ++t) {
      acc[t] = _mm512_setzero_ps();
      accm[t] = _mm512_setzero_ps();
      xq[t] = X.row_q(t0 + t);
      xd[t] = X.row_d(t0 + t);
      xs[t] = X.row_s(t0 + t);
    }
    for (int64_t s = 0; s < ns; ++s) {
      const uint8_t* sb = base + s * w.sb_bytes;
      __m512 D[8], M[8];
      ScalesMins(sb, D, M);
      for (int j = 0; j < 8; ++j) {
        const int64_t b = 8 * s + j;
        __m512i u[8];
        Unpack(sb, j, u);
        for (int t = 0; t < NT; ++t) {
          const int8_t* x = xq[t] + b * kQActBlock;
          // Two chains of 4 (integer sums: the split changes no bit).
          __m512i i0 = _mm512_setzero_si512(), i1 = _mm512_setzero_si512();
          for (int g = 0; g < 4; ++g) {
            i0 = DpbusdBcast(i0, u[g], x + 4 * g);
            i1 = DpbusdBcast(i1, u[g + 4], x + 16 + 4 * g);
          }
          const __m512 is = _mm512_cvtepi32_ps(_mm512_add_epi32(i0, i1));
          acc[t] = _mm512_fmadd_ps(is, _mm512_mul_ps(D[j], _mm512_set1_ps(xd[t][b])), acc[t]);
          accm[t] = _mm512_fmadd_ps(M[j], _mm512_set1_ps(xs[t][b]), accm[t]);
        }
      }
    }
    for (int t = 0; t < NT; ++t) out[t] = _mm512_sub_ps(acc[t], accm[t]);
  }
};

// Q6_K panels.
struct KPanel6 {
  // -32 * the sum of half e (16 values) of block b's activations, from the
  // packed row's c16 lanes (-128 * that sum, act_quant.hpp).
  static HWY_INLINE int32_t MinusSum16x32(const uint8_t* packed, int64_t b, int e) {
    int32_t c;
    std::memcpy(&c, packed + (b / 2) * kPackedPair + 128 + 4 * (8 * (b % 2) + 4 * e), 4);
    return c >> 2;  // exact: c is a multiple of 128
  }

  // The 8 unsigned weight vectors (q in [0, 63]) of block 4h + k of a super-block.
  template <int k>
  static HWY_INLINE void Unpack(const uint8_t* sb, int h, __m512i (&u)[8]) {
    const uint8_t* qh = sb + 320 + 1536 * h;
    const uint8_t* ql = qh + 512 + 512 * (k % 2);
    const __m512i k0F = _mm512_set1_epi8(0x0F), k30 = _mm512_set1_epi8(0x30);
    for (int g = 0; g < 8; ++g) {
      __m512i a = _mm512_load_si512(ql + 64 * g);
      if constexpr (k >= 2) a = _mm512_srli_epi16(a, 4);  // high nibbles: blocks 4h + 2, 4h + 3
      __m512i hb = _mm512_load_si512(qh + 64 * g);
      // Bits 2k, 2k+1 of each byte to bits 4, 5 (16-bit shifts of at most 4:
      // bits 4-5 of a byte come from that byte).
      if constexpr (k == 0) hb = _mm512_slli_epi16(hb, 4);
      if constexpr (k == 1) hb = _mm512_slli_epi16(hb, 2);
      if constexpr (k == 3) hb = _mm512_srli_epi16(hb, 2);
      // (a & 0x0F) | (hb & 0x30)
      u[g] = _mm512_ternarylogic_epi32(a, _mm512_and_si512(hb, k30), k0F, 0xEC);
    }
  }

  // Block j = 4h + k of super-block s (at sb, its d in dv) against the NT tokens.
  template <int k, int NT>
  static HWY_INLINE void Block(const uint8_t* sb, int64_t s, int h, __m512 dv, const int8_t* const (&xq)[NT],
                               const float* const (&xd)[NT], const uint8_t* const (&xp)[NT], __m512 (&out)[NT]) {
    const int j = 4 * h + k;
    const int64_t b = 8 * s + j;
    // Scales 2j, 2j + 1 (int8): bytes 2 (k % 2) and 2 (k % 2) + 1 of dword j / 2.
    constexpr unsigned lo = 24 - 16 * (k % 2);
    const __m512i sc = _mm512_load_si512(sb + 64 + 64 * (j / 2));
    const __m512 S0 = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_srai_epi32(_mm512_slli_epi32(sc, lo), 24)), dv);
    const __m512 S1 = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_srai_epi32(_mm512_slli_epi32(sc, lo - 8), 24)), dv);
    __m512i u[8];
    Unpack<k>(sb, h, u);
    for (int t = 0; t < NT; ++t) {
      const int8_t* x = xq[t] + b * kQActBlock;
      __m512i i0 = _mm512_set1_epi32(MinusSum16x32(xp[t], b, 0));
      __m512i i1 = _mm512_set1_epi32(MinusSum16x32(xp[t], b, 1));
      for (int g = 0; g < 4; ++g) {
        i0 = DpbusdBcast(i0, u[g], x + 4 * g);
        i1 = DpbusdBcast(i1, u[g + 4], x + 16 + 4 * g);
      }
      const __m512 dx = _mm512_set1_ps(xd[t][b]);
      out[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i0), _mm512_mul_ps(S0, dx), out[t]);
      out[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i1), _mm512_mul_ps(S1, dx), out[t]);
    }
  }

  template <int NT>
  static HWY_INLINE void Tile(const Panels& w, int64_t panel, const QActs& X, int64_t t0, __m512 (&out)[NT]) {
    const int64_t ns = w.cols / 256;
    const uint8_t* base = w.panel(panel);
    const int8_t* xq[NT];
    const float* xd[NT];
    const uint8_t* xp[NT];
    for (int t = 0; t < NT; ++t) {
      out[t] = _mm512_setzero_ps();
      xq[t] = X.row_q(t0 + t);
      xd[t] = X.row_d(t0 + t);
      xp[t] = X.row_packed(t0 + t);
    }
    for (int64_t s = 0; s < ns; ++s) {
      const uint8_t* sb = base + s * w.sb_bytes;
      const __m512 dv = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(sb)));
      for (int h = 0; h < 2; ++h) {  // blocks 0, 2, 1, 3 of each half: the panel's order
        Block<0, NT>(sb, s, h, dv, xq, xd, xp, out);
        Block<2, NT>(sb, s, h, dv, xq, xd, xp, out);
        Block<1, NT>(sb, s, h, dv, xq, xd, xp, out);
        Block<3, NT>(sb, s, h, dv, xq, xd, xp, out);
      }
    }
  }
};

}  // namespace qmm512

#endif  // HWY_TARGET == HWY_AVX3_DL
