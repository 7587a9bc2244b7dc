// 8-bit GEMM tiles for Q8_0 / Q4_0 weights on AVX-512 VNNI (Highway target
// AVX3_DL). Included by kernels_hwy.cpp inside its per-target namespace, once
// per target (no include guard); the code exists only in the AVX3_DL pass.
//
// A weight row is a sequence of block pairs (2 x 32 weights). A pair decodes to
//   u[64]  unsigned bytes m*w + 128   (Q8_0: m = 1, w = q; Q4_0: m = 16, w = nibble - 8)
//   dw[16] f32: lanes 8j..8j+7 = (d_w of block j) / m
// One vpdpbusd of u with the pair's 64 activation bytes (act_quant.hpp), its
// accumulator starting at c16 (-128 * sum(q_x) in lane 8j), leaves in the
// lanes of half j exactly m * dot(w_j, q_x,j) (int32, |.| < 2^21). Then
//   acc += (dw * d16) * float(lanes)          (one mul and one FMA per pair)
// and the dot of the row is the sum of acc's 16 lanes at the end.
//
// Tiles: R rows x NT tokens accumulate in R*NT registers. Every (row, token)
// gets exactly the same sequence of operations whatever R and NT and whether
// the row was decoded on the fly or beforehand, so a row gives the same bits
// in a prefill chunk and alone (decode).
#if HWY_TARGET == HWY_AVX3_DL

namespace qmm512 {

// Byte permutation indices, built at compile time.
struct Idx64 {
  alignas(64) uint8_t b[64];
};

// f16 scales of the two blocks of a pair at byte offsets 0 and `off`, as 16 f16 lanes (8 + 8).
constexpr Idx64 ScaleIdx(int off) {
  Idx64 r{};
  for (int k = 0; k < 64; ++k) r.b[k] = static_cast<uint8_t>(((k / 2) < 8 ? 0 : off) + k % 2);
  return r;
}
// Q4_0 pair loaded as bytes [0, 32) of the pair in bytes 0..31 and bytes [20, 36)
// (the second block's qs) in bytes 32..47: byte k of the result is qs byte
// (k % 16) of block k / 32.
constexpr Idx64 Q4Idx() {
  Idx64 r{};
  for (int k = 0; k < 64; ++k) r.b[k] = static_cast<uint8_t>((k < 32 ? 2 : 32) + (k % 16));
  return r;
}
// Per 16-bit lane: shift left by 4 where the lane holds low nibbles (first 16 bytes of a block).
constexpr Idx64 Q4Shift() {
  Idx64 r{};
  for (int w = 0; w < 32; ++w) {
    r.b[2 * w] = static_cast<uint8_t>(((2 * w) % 32) < 16 ? 4 : 0);
    r.b[2 * w + 1] = 0;
  }
  return r;
}
inline constexpr Idx64 kScaleIdx34 = ScaleIdx(34), kScaleIdx18 = ScaleIdx(18), kQ4Idx = Q4Idx(),
                       kQ4Shift = Q4Shift();

HWY_INLINE __m512i LoadIdx(const Idx64& i) { return _mm512_load_si512(i.b); }

// Q8_0 (34 B / 32): f16 d, i8 qs[32]. A full pair is 68 bytes; a lone last block 34.
struct PairQ8_0 {
  static constexpr int64_t kPairBytes = 68;
  template <bool kFull>
  static HWY_INLINE void Decode(const uint8_t* p, __m512i& u, __m512& dw) {
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 2));
    __m512i v, l;
    if constexpr (kFull) {
      v = _mm512_inserti64x4(_mm512_castsi256_si512(lo), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 36)), 1);
      l = _mm512_loadu_si512(p);
    } else {
      v = _mm512_inserti64x4(_mm512_setzero_si512(), lo, 0);
      l = _mm512_inserti32x4(_mm512_setzero_si512(), _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), 0);
    }
    u = _mm512_xor_si512(v, _mm512_set1_epi8(static_cast<char>(0x80)));
    dw = _mm512_cvtph_ps(_mm512_castsi512_si256(_mm512_permutexvar_epi8(LoadIdx(kScaleIdx34), l)));
  }
};

// Q4_0 (18 B / 32): f16 d, u8 qs[16]; w[j] = (qs[j] & 15) - 8, w[j + 16] = (qs[j] >> 4) - 8.
struct PairQ4_0 {
  static constexpr int64_t kPairBytes = 36;
  template <bool kFull>
  static HWY_INLINE void Decode(const uint8_t* p, __m512i& u, __m512& dw) {
    // Plain loads, no masks: a masked load whose masked-off bytes cross a page
    // boundary is slow (the decode of a mmapped model ran 2.5x slower with them).
    __m512i l;
    if constexpr (kFull) {
      l = _mm512_inserti32x4(_mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))),
                             _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 20)), 2);
    } else {  // one block (18 bytes): bytes [0, 16), then bytes 16, 17 and zeros (no second scale)
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const __m128i b = _mm_srli_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 2)), 14);
      l = _mm512_inserti32x4(_mm512_inserti32x4(_mm512_setzero_si512(), a, 0), b, 1);
    }
    const __m512i q = _mm512_permutexvar_epi8(LoadIdx(kQ4Idx), l);
    u = _mm512_and_si512(_mm512_sllv_epi16(q, LoadIdx(kQ4Shift)), _mm512_set1_epi8(static_cast<char>(0xF0)));
    dw = _mm512_mul_ps(_mm512_cvtph_ps(_mm512_castsi512_si256(_mm512_permutexvar_epi8(LoadIdx(kScaleIdx18), l))),
                       _mm512_set1_ps(1.0f / 16.0f));
  }
};

// Row sources: R rows decoded on the fly, or read back from a decode buffer.
template <class P, int R>
struct Direct {
  const uint8_t* rows[R];
  template <bool kFull>
  HWY_INLINE void Get(int r, int64_t p, __m512i& u, __m512& dw) const {
    P::template Decode<kFull>(rows[r] + p * P::kPairBytes, u, dw);
  }
};

// Decoded pairs of R rows, interleaved: [np][R][u 64 bytes | dw 16 floats]
// (64-byte aligned), so one pointer walks the whole tile.
inline constexpr int64_t kDecodedPair = 128;

template <class P, int R>
struct Predecoded {
  const uint8_t* buf;
  template <bool kFull>
  HWY_INLINE void Get(int r, int64_t p, __m512i& uo, __m512& dwo) const {
    const uint8_t* e = buf + (p * R + r) * kDecodedPair;
    uo = _mm512_load_si512(e);
    dwo = _mm512_load_ps(reinterpret_cast<const float*>(e + 64));
  }
};

// Row `row` into slot r of a [np][R][kDecodedPair] buffer.
template <class P>
void DecodeRow(const uint8_t* row, int64_t nb, int R, int r, uint8_t* buf) {
  const int64_t nfull = nb / 2;
  __m512i vu;
  __m512 vd;
  for (int64_t p = 0; p < nfull; ++p) {
    P::template Decode<true>(row + p * P::kPairBytes, vu, vd);
    uint8_t* e = buf + (p * R + r) * kDecodedPair;
    _mm512_store_si512(e, vu);
    _mm512_store_ps(reinterpret_cast<float*>(e + 64), vd);
  }
  if (nb % 2 != 0) {
    P::template Decode<false>(row + nfull * P::kPairBytes, vu, vd);
    uint8_t* e = buf + (nfull * R + r) * kDecodedPair;
    _mm512_store_si512(e, vu);
    _mm512_store_ps(reinterpret_cast<float*>(e + 64), vd);
  }
}

// Asks for bytes [p, p + n) to be brought into the caches (the next row tile,
// while the current one computes: its decode would otherwise wait on DRAM).
HWY_INLINE void Prefetch(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; i += 64) _mm_prefetch(reinterpret_cast<const char*>(p + i), _MM_HINT_T1);
}

// acc + dot4(u, s) per int32 lane: u unsigned bytes, s signed bytes (vpdpbusd,
// AVX512-VNNI). GCC takes the intrinsic under the file's `#pragma GCC target
// ("avx512vnni")` (kernels_hwy.cpp); clang ignores that pragma inside
// Highway's per-function target attribute, so there the EVEX instruction is
// spelled in inline assembly (the fuzz build uses clang).
HWY_INLINE __m512i Dpbusd(__m512i acc, __m512i u, __m512i s) {
#if defined(__clang__)
  asm("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(u), "v"(s));
  return acc;
#else
  return _mm512_dpbusd_epi32(acc, u, s);
#endif
}

// xp[t]: token t's packed activations (act_quant.hpp), kPackedPair bytes per pair.
template <int R, int NT, bool kFull, class Src>
HWY_INLINE void Step(const Src& src, int64_t p, const uint8_t* const* xp, __m512 (&acc)[R][NT]) {
  __m512i u[R];
  __m512 dw[R];
  for (int r = 0; r < R; ++r) src.template Get<kFull>(r, p, u[r], dw[r]);
  for (int t = 0; t < NT; ++t) {
    const uint8_t* e = xp[t] + p * kPackedPair;
    const __m512i x = _mm512_load_si512(e);
    const __m512 dx = _mm512_load_ps(reinterpret_cast<const float*>(e + 64));
    const __m512i c = _mm512_load_si512(e + 128);
    for (int r = 0; r < R; ++r) {
      const __m512i is = Dpbusd(c, u[r], x);
      acc[r][t] = _mm512_fmadd_ps(_mm512_mul_ps(dw[r], dx), _mm512_cvtepi32_ps(is), acc[r][t]);
    }
  }
}

// out[r * ldo + t] = dot(row r, token t0 + t) for r < R, t < NT.
template <int R, int NT, class Src>
HWY_INLINE void Tile(const Src& src, const QActs& X, int64_t t0, float* out, int64_t ldo) {
  const uint8_t* xp[NT];
  __m512 acc[R][NT];
  for (int t = 0; t < NT; ++t) {
    xp[t] = X.row_packed(t0 + t);
    for (int r = 0; r < R; ++r) acc[r][t] = _mm512_setzero_ps();
  }
  const int64_t nfull = X.nb / 2;
  for (int64_t p = 0; p < nfull; ++p) Step<R, NT, true>(src, p, xp, acc);
  if (X.np > nfull) Step<R, NT, false>(src, nfull, xp, acc);
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < NT; ++t) out[r * ldo + t] = _mm512_reduce_add_ps(acc[r][t]);
}

// All T tokens against the R rows of src: Y[t * ldy + r] for r < R.
template <int R, class Src>
HWY_INLINE void TokenTiles(const Src& src, const QActs& X, int64_t T, float* Y, int64_t ldy) {
  constexpr int NT = 4;
  float o[R * NT];
  int64_t t = 0;
  auto put = [&](int nt) {
    for (int r = 0; r < R; ++r)
      for (int k = 0; k < nt; ++k) Y[(t + k) * ldy + r] = o[r * NT + k];
  };
  for (; t + NT <= T; t += NT) {
    Tile<R, NT>(src, X, t, o, NT);
    put(NT);
  }
  switch (T - t) {
    case 3: Tile<R, 3>(src, X, t, o, NT); put(3); break;
    case 2: Tile<R, 2>(src, X, t, o, NT); put(2); break;
    case 1: Tile<R, 1>(src, X, t, o, NT); put(1); break;
    default: break;
  }
}

// rows_q for Q8_0 / Q4_0. Decode-sized T: rows decoded on the fly, 4 at a time.
// Prefill chunks: each tile of 4 rows is decoded once into a buffer that then
// serves every token (the buffer stays in L1/L2 while the tokens stream by).
template <class P>
void Rows(const WeightRows& w, const QActs& X, int64_t T, int64_t r0, int64_t r1, float* Y, int64_t ldy) {
  constexpr int R = 4;
  const int64_t np = X.np;
  const auto row = [&](int64_t r) { return w.data + static_cast<size_t>(r) * w.row_bytes; };
  if (T < 4) {
    // One row at a time: the rows of [r0, r1) are one sequential stream, which
    // the hardware prefetchers follow best (4 interleaved rows decoded slower).
    for (int64_t r = r0; r < r1; ++r) TokenTiles<1>(Direct<P, 1>{{row(r)}}, X, T, Y + r, ldy);
    return;
  }
  AVec<uint8_t> buf(static_cast<size_t>(R * np * kDecodedPair));
  const size_t tile_bytes = static_cast<size_t>(R) * w.row_bytes;
  int64_t r = r0;
  for (; r + R <= r1; r += R) {
    for (int k = 0; k < R; ++k) DecodeRow<P>(row(r + k), X.nb, R, k, buf.data());
    if (r + 2 * R <= r1) Prefetch(row(r + R), tile_bytes);
    TokenTiles<R>(Predecoded<P, R>{buf.data()}, X, T, Y + r, ldy);
  }
  for (; r < r1; ++r) {
    DecodeRow<P>(row(r), X.nb, 1, 0, buf.data());
    TokenTiles<1>(Predecoded<P, 1>{buf.data()}, X, T, Y + r, ldy);
  }
}

}  // namespace qmm512

#endif  // HWY_TARGET == HWY_AVX3_DL
