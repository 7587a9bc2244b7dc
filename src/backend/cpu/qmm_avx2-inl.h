// 8-bit GEMM tiles for Q8_0 / Q4_0 weights on AVX2 (Highway targets AVX2 and
// AVX3, i.e. AVX-512 without VNNI: same 256-bit code). Included by
// kernels_hwy.cpp inside its per-target namespace, once per target (no
// include guard); the code exists only in those passes.
//
// One block (32 weights) per 256-bit vector; activations from the packed
// layout of act_quant.hpp (a block j of pair p: q at +32j, d at +64+32j as 8
// equal lanes, -128*sum(q) of each half of 16 at +128+32j in lanes 0 and 4). vpmaddubsw multiplies
// unsigned by signed bytes into saturating int16 pairs, so:
//   Q8_0: |w| * (x with the sign of w)   (|w| <= 128: pairs <= 32512, exact)
//   Q4_0: nibble (0..15) * x, plus -8 * sum(x) (c16 >> 4) in lanes 0 and 4
// then vpmaddwd by ones gives 8 int32 lanes whose sum is the block's integer
// dot, and acc += (dw * dx) * float(lanes): one mul and one FMA per block.
//
// Tiles: R rows x NT tokens in R*NT accumulators; each (row, token) runs the
// same operations whatever R and NT, so a row gives the same bits in a chunk
// and alone.
#if HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_AVX3

namespace qmm256 {

// Q8_0 (34 B / 32): f16 d, i8 qs[32]. Decoded: a = |w|, sgn = w (for vpsignb).
struct BlockQ8_0 {
  static constexpr int64_t kBlockBytes = 34;
  struct W {
    __m256i a, sgn;
    __m256 dw;
  };
  static HWY_INLINE W Decode(const uint8_t* p) {
    W w;
    w.sgn = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 2));
    w.a = _mm256_sign_epi8(w.sgn, w.sgn);
    w.dw = _mm256_set1_ps(_cvtsh_ss(static_cast<unsigned short>(p[0] | (p[1] << 8))));
    return w;
  }
  // Integer lanes of the block's dot with x; c: -128 * sum(x) per half in lanes 0, 4 (unused).
  static HWY_INLINE __m256i Dot(const W& w, __m256i x, __m256i /*c*/) {
    const __m256i p16 = _mm256_maddubs_epi16(w.a, _mm256_sign_epi8(x, w.sgn));
    return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
  }
};

// Q4_0 (18 B / 32): f16 d, u8 qs[16]; w[j] = (qs[j] & 15) - 8, w[j + 16] = (qs[j] >> 4) - 8.
struct BlockQ4_0 {
  static constexpr int64_t kBlockBytes = 18;
  struct W {
    __m256i a, sgn;  // a: the nibbles (0..15); sgn unused
    __m256 dw;
  };
  static HWY_INLINE W Decode(const uint8_t* p) {
    W w;
    const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 2));
    const __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(q), _mm_srli_epi16(q, 4), 1);
    w.a = _mm256_and_si256(v, _mm256_set1_epi8(15));
    w.sgn = w.a;
    w.dw = _mm256_set1_ps(_cvtsh_ss(static_cast<unsigned short>(p[0] | (p[1] << 8))));
    return w;
  }
  static HWY_INLINE __m256i Dot(const W& w, __m256i x, __m256i c) {
    const __m256i p16 = _mm256_maddubs_epi16(w.a, x);  // <= 2 * 15 * 127: no saturation
    return _mm256_add_epi32(_mm256_madd_epi16(p16, _mm256_set1_epi16(1)), _mm256_srai_epi32(c, 4));
  }
};

// out[r * ldo + t] = dot(rows[r], token t0 + t) for r < R, t < NT.
template <class B, int R, int NT>
HWY_INLINE void Tile(const uint8_t* const* rows, const QActs& X, int64_t t0, float* out, int64_t ldo) {
  const uint8_t* xp[NT];
  __m256 acc[R][NT];
  for (int t = 0; t < NT; ++t) {
    xp[t] = X.row_packed(t0 + t);
    for (int r = 0; r < R; ++r) acc[r][t] = _mm256_setzero_ps();
  }
  for (int64_t b = 0; b < X.nb; ++b) {
    typename B::W w[R];
    for (int r = 0; r < R; ++r) w[r] = B::Decode(rows[r] + b * B::kBlockBytes);
    const int64_t off = (b / 2) * kPackedPair + 32 * (b % 2);
    for (int t = 0; t < NT; ++t) {
      const uint8_t* e = xp[t] + off;
      const __m256i x = _mm256_load_si256(reinterpret_cast<const __m256i*>(e));
      const __m256 dx = _mm256_load_ps(reinterpret_cast<const float*>(e + 64));
      const __m256i c = _mm256_load_si256(reinterpret_cast<const __m256i*>(e + 128));
      for (int r = 0; r < R; ++r) {
        acc[r][t] = _mm256_fmadd_ps(_mm256_mul_ps(w[r].dw, dx), _mm256_cvtepi32_ps(B::Dot(w[r], x, c)), acc[r][t]);
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < NT; ++t) {
      // Fixed-order horizontal sum of the 8 lanes.
      const __m128 h = _mm_add_ps(_mm256_castps256_ps128(acc[r][t]), _mm256_extractf128_ps(acc[r][t], 1));
      const __m128 h2 = _mm_add_ps(h, _mm_movehl_ps(h, h));
      out[r * ldo + t] = _mm_cvtss_f32(_mm_add_ss(h2, _mm_movehdup_ps(h2)));
    }
  }
}

// All T tokens against R rows: Y[t * ldy + r] for r < R.
template <class B, int R>
HWY_INLINE void TokenTiles(const uint8_t* const* rows, const QActs& X, int64_t T, float* Y, int64_t ldy) {
  constexpr int NT = 4;
  float o[R * NT];
  int64_t t = 0;
  auto put = [&](int nt) {
    for (int r = 0; r < R; ++r)
      for (int k = 0; k < nt; ++k) Y[(t + k) * ldy + r] = o[r * NT + k];
  };
  for (; t + NT <= T; t += NT) {
    Tile<B, R, NT>(rows, X, t, o, NT);
    put(NT);
  }
  switch (T - t) {
    case 3: Tile<B, R, 3>(rows, X, t, o, NT); put(3); break;
    case 2: Tile<B, R, 2>(rows, X, t, o, NT); put(2); break;
    case 1: Tile<B, R, 1>(rows, X, t, o, NT); put(1); break;
    default: break;
  }
}

// rows_q for Q8_0 / Q4_0: decode (T < 4) one row at a time (one sequential
// stream for the prefetchers), prefill chunks 2 rows x 4 tokens per tile.
template <class B>
void Rows(const WeightRows& w, const QActs& X, int64_t T, int64_t r0, int64_t r1, float* Y, int64_t ldy) {
  const auto row = [&](int64_t r) { return w.data + static_cast<size_t>(r) * w.row_bytes; };
  int64_t r = r0;
  if (T >= 4) {
    for (; r + 2 <= r1; r += 2) {
      const uint8_t* rows[2] = {row(r), row(r + 1)};
      TokenTiles<B, 2>(rows, X, T, Y + r, ldy);
    }
  }
  for (; r < r1; ++r) {
    const uint8_t* rows[1] = {row(r)};
    TokenTiles<B, 1>(rows, X, T, Y + r, ldy);
  }
}

}  // namespace qmm256

#endif  // HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_AVX3
