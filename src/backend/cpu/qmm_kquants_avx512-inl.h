// Pair decoders of the K-quants (256-weight super-blocks, core/quant/kquants.hpp)
// for the AVX-512 VNNI tiles of qmm_avx512-inl.h, which includes this file
// inside namespace qmm512 (AVX3_DL pass only; no include guard).
//
// A super-block is 4 pairs. Its scales are decoded once into 16 floats S, and
// each pair takes its dw (and mw) lanes from S with one permute:
//   Q4_K / Q5_K: S = [d * sc_0..7, dmin * m_0..7 / 128]; pair c holds sub-blocks
//     2c (low nibbles of qs[32c..32c+31]) and 2c + 1 (high nibbles); Q5_K adds
//     bit 2c (resp. 2c + 1) of qh[l] as bit 4. u = q + 128, q in [0, 31].
//   Q6_K: S = [d * scales_0..15] (one per 16 weights); pair pp of the super-block
//     is half h = pp / 2, blocks 2(pp % 2) and 2(pp % 2) + 1: the low (pp even)
//     or high (pp odd) nibbles of ql[64h..64h+63], with 2 bits of qh[32h + l]
//     as bits 4-5. u = (q - 32) + 128 = q + 96.

// Lanes L: from[L / 8] + offset (dw of Q4_K / Q5_K: sub-block 2c + L / 8).
HWY_INLINE __m512i HalvesIdx(int32_t first, int32_t second) {
  return _mm512_mask_blend_epi32(0xFF00, _mm512_set1_epi32(first), _mm512_set1_epi32(second));
}

// d * sc_j (lanes 0-7) and dmin * m_j / 128 (lanes 8-15) of a Q4_K / Q5_K super-block.
HWY_INLINE __m512 ScalesMins(const uint8_t* blk) {
  uint32_t a[3];
  std::memcpy(a, blk + 4, sizeof(a));
  // Four 6-bit values per 32-bit word (byte-wise, see core/quant/kquants.hpp).
  const uint32_t sc03 = a[0] & 0x3F3F3F3Fu, m03 = a[1] & 0x3F3F3F3Fu;
  const uint32_t sc47 = (a[2] & 0x0F0F0F0Fu) | (((a[0] >> 6) & 0x03030303u) << 4);
  const uint32_t m47 = ((a[2] >> 4) & 0x0F0F0F0Fu) | (((a[1] >> 6) & 0x03030303u) << 4);
  const __m128i bytes = _mm_set_epi32(static_cast<int>(m47), static_cast<int>(m03), static_cast<int>(sc47),
                                      static_cast<int>(sc03));
  const __m512 v = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(bytes));
  const float d = core::quant::load_f16(blk), dmin = core::quant::load_f16(blk + 2);
  return _mm512_mul_ps(v, _mm512_mask_blend_ps(0xFF00, _mm512_set1_ps(d), _mm512_set1_ps(dmin * (1.0f / 128.0f))));
}

// Q4_K (144 B / 256): f16 d, f16 dmin, scales[12], qs[128].
// Q5_K (176 B / 256, kFive): f16 d, f16 dmin, scales[12], qh[32], qs[128].
template <bool kFive>
struct PairsQ45_K {
  static constexpr int64_t kBlockBytes = kFive ? 176 : 144;
  static constexpr int64_t kQs = kFive ? 48 : 16;
  static constexpr bool kHasMin = true;

  static HWY_INLINE void Decode(const uint8_t* blk, __m512 s, int c, WPair& w) {
    const __m512i v = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + kQs + 32 * c)));
    // Upper 256 bits: the high nibbles.
    __m512i q = _mm512_and_si512(_mm512_mask_srli_epi16(v, 0xFFFF0000u, v, 4), _mm512_set1_epi8(0x0F));
    if constexpr (kFive) {
      const __m512i h = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 16)));
      __m512i hs = _mm512_srl_epi16(h, _mm_cvtsi32_si128(2 * c));
      hs = _mm512_mask_srli_epi16(hs, 0xFFFF0000u, hs, 1);  // bit 2c + 1 for the upper half
      q = _mm512_or_si512(q, _mm512_and_si512(_mm512_slli_epi16(hs, 4), _mm512_set1_epi8(0x10)));
    }
    w.u = _mm512_or_si512(q, _mm512_set1_epi8(static_cast<char>(0x80)));
    w.dw = _mm512_permutexvar_ps(HalvesIdx(2 * c, 2 * c + 1), s);
    w.mw = _mm512_maskz_permutexvar_ps(0x1111, HalvesIdx(8 + 2 * c, 9 + 2 * c), s);
  }

  // f(p, WPair) for the nb / 2 pairs of a row of nb blocks of 32 (nb a multiple of 8).
  template <class F>
  static HWY_INLINE void ForEachPair(const uint8_t* row, int64_t nb, F&& f) {
    WPair w;
    for (int64_t sb = 0; sb < nb / 8; ++sb) {
      const uint8_t* blk = row + sb * kBlockBytes;
      const __m512 s = ScalesMins(blk);
      for (int c = 0; c < 4; ++c) {
        Decode(blk, s, c, w);
        f(4 * sb + c, w);
      }
    }
  }
};

// Q6_K (210 B / 256): ql[128], qh[64], i8 scales[16], f16 d.
struct PairsQ6_K {
  static constexpr int64_t kBlockBytes = 210;
  static constexpr bool kHasMin = false;

  static HWY_INLINE void Decode(const uint8_t* blk, __m512 s, int pp, WPair& w) {
    const int h = pp / 2;
    const __m512i v = _mm512_loadu_si512(blk + 64 * h);
    const __m512i nib = _mm512_and_si512(pp % 2 != 0 ? _mm512_srli_epi16(v, 4) : v, _mm512_set1_epi8(0x0F));
    __m512i hq = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 128 + 32 * h)));
    if (pp % 2 != 0) hq = _mm512_srli_epi16(hq, 4);
    // Lower half: bits 0-1 to 4-5 (<< 4); upper half: bits 2-3 to 4-5 (<< 2).
    const __m512i hb = _mm512_and_si512(_mm512_mask_slli_epi16(_mm512_slli_epi16(hq, 4), 0xFFFF0000u, hq, 2),
                                        _mm512_set1_epi8(0x30));
    w.u = _mm512_add_epi8(_mm512_or_si512(nib, hb), _mm512_set1_epi8(96));
    // Lane L: the scale of weights 16 * (L / 4) .. of the pair, sub-block 4 pp + L / 4.
    const __m512i idx = _mm512_add_epi32(_mm512_srli_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), 2),
                                         _mm512_set1_epi32(4 * pp));
    w.dw = _mm512_permutexvar_ps(idx, s);
    w.mw = _mm512_setzero_ps();
  }

  template <class F>
  static HWY_INLINE void ForEachPair(const uint8_t* row, int64_t nb, F&& f) {
    WPair w;
    for (int64_t sb = 0; sb < nb / 8; ++sb) {
      const uint8_t* blk = row + sb * kBlockBytes;
      const __m128i sc = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 192));
      const __m512 s = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(sc)),
                                     _mm512_set1_ps(core::quant::load_f16(blk + 208)));
      for (int pp = 0; pp < 4; ++pp) {
        Decode(blk, s, pp, w);
        f(4 * sb + pp, w);
      }
    }
  }
};
