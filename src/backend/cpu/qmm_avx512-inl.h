// 8-bit GEMM tiles for Q8_0 / Q4_0 / Q4_K / Q5_K / Q6_K weights on AVX-512 VNNI
// (Highway target AVX3_DL). Included by kernels_hwy.cpp inside its per-target
// namespace, once per target (no include guard); the code exists only in the
// AVX3_DL pass. The K-quant decoders are in qmm_kquants_avx512-inl.h.
//
// A weight row is a sequence of block pairs (2 x 32 weights). A pair decodes to
// a WPair:
//   u[64]  unsigned bytes m*w + 128   (Q8_0: m = 1, w = q; Q4_0: m = 16, w = nibble - 8;
//                                      K-quants: m = 1, w = the unsigned or centred integer)
//   dw[16] f32: lane L = (scale of the 16 weights of lanes 4(L/4)..) / m (constant over a
//          block of 32 for the legacy types, over 16 weights for Q6_K)
//   mw[16] f32 (formats with mins, kHasMin: Q4_K, Q5_K): lanes 8j and 8j+4 = dmin*m_j/128
// One vpdpbusd of u with the pair's 64 activation bytes (act_quant.hpp), its
// accumulator starting at c16 (-128 * sum(q_x) of each 16 values in lanes 8j
// and 8j+4), leaves in the 4 lanes of each 16 weights exactly m * their integer
// dot (int32, |.| < 2^21). Then
//   acc += (dw * d16) * float(lanes)          (one mul and one FMA per pair)
//   acc += mw * (d16 * float(c16))            (kHasMin: the -dmin * m_j * sum(x_j) terms)
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

// One decoded pair (see the top of the file); mw is zero for formats without mins.
struct WPair {
  __m512i u;
  __m512 dw;
  __m512 mw;
};

// Calls f(p, WPair) for the pairs of a row of nb legacy blocks, in order: the
// full pairs, then a lone last block (its second half zero).
template <class P, class F>
HWY_INLINE void ForEachLegacyPair(const uint8_t* row, int64_t nb, F&& f) {
  WPair w;
  w.mw = _mm512_setzero_ps();
  const int64_t nfull = nb / 2;
  for (int64_t p = 0; p < nfull; ++p) {
    P::template Decode<true>(row + p * P::kPairBytes, w.u, w.dw);
    f(p, w);
  }
  if (nb % 2 != 0) {
    P::template Decode<false>(row + nfull * P::kPairBytes, w.u, w.dw);
    f(nfull, w);
  }
}

// Q8_0 (34 B / 32): f16 d, i8 qs[32]. A full pair is 68 bytes; a lone last block 34.
struct PairQ8_0 {
  static constexpr int64_t kPairBytes = 68;
  static constexpr bool kHasMin = false;
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
  template <class F>
  static HWY_INLINE void ForEachPair(const uint8_t* row, int64_t nb, F&& f) {
    ForEachLegacyPair<PairQ8_0>(row, nb, f);
  }
};

// Q4_0 (18 B / 32): f16 d, u8 qs[16]; w[j] = (qs[j] & 15) - 8, w[j + 16] = (qs[j] >> 4) - 8.
struct PairQ4_0 {
  static constexpr int64_t kPairBytes = 36;
  static constexpr bool kHasMin = false;
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
  template <class F>
  static HWY_INLINE void ForEachPair(const uint8_t* row, int64_t nb, F&& f) {
    ForEachLegacyPair<PairQ4_0>(row, nb, f);
  }
};

#include "backend/cpu/qmm_kquants_avx512-inl.h"  // NOLINT(build/include): PairsQ45_K, PairsQ6_K

// Decoded pairs of R rows, interleaved: [np][R][kDecodedBytes] (64-byte
// aligned), so one pointer walks the whole tile: u (64 bytes), dw (64), and mw
// (64) for formats with mins.
template <class P>
inline constexpr int64_t kDecodedBytes = P::kHasMin ? 192 : 128;

template <class P>
HWY_INLINE void StoreDecoded(const WPair& w, uint8_t* e) {
  _mm512_store_si512(e, w.u);
  _mm512_store_ps(reinterpret_cast<float*>(e + 64), w.dw);
  if constexpr (P::kHasMin) _mm512_store_ps(reinterpret_cast<float*>(e + 128), w.mw);
}

template <class P>
HWY_INLINE WPair LoadDecoded(const uint8_t* e) {
  WPair w;
  w.u = _mm512_load_si512(e);
  w.dw = _mm512_load_ps(reinterpret_cast<const float*>(e + 64));
  w.mw = P::kHasMin ? _mm512_load_ps(reinterpret_cast<const float*>(e + 128)) : _mm512_setzero_ps();
  return w;
}

// Row `row` (nb blocks of 32) into slot r of a [np][R][kDecodedBytes<P>] buffer.
template <class P>
void DecodeRow(const uint8_t* row, int64_t nb, int R, int r, uint8_t* buf) {
  P::ForEachPair(row, nb, [&](int64_t p, const WPair& w) { StoreDecoded<P>(w, buf + (p * R + r) * kDecodedBytes<P>); });
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

// Pair p of R rows (w(r) gives row r's WPair) against NT tokens; xp[t]: token
// t's packed activations (act_quant.hpp), kPackedPair bytes per pair.
template <int R, int NT, bool kHasMin, class GetW>
HWY_INLINE void Step(const GetW& w, int64_t p, const uint8_t* const* xp, __m512 (&acc)[R][NT]) {
  WPair wr[R];
  for (int r = 0; r < R; ++r) wr[r] = w(r);
  for (int t = 0; t < NT; ++t) {
    const uint8_t* e = xp[t] + p * kPackedPair;
    const __m512i x = _mm512_load_si512(e);
    const __m512 dx = _mm512_load_ps(reinterpret_cast<const float*>(e + 64));
    const __m512i c = _mm512_load_si512(e + 128);
    for (int r = 0; r < R; ++r) {
      const __m512i is = Dpbusd(c, wr[r].u, x);
      acc[r][t] = _mm512_fmadd_ps(_mm512_mul_ps(wr[r].dw, dx), _mm512_cvtepi32_ps(is), acc[r][t]);
    }
    if constexpr (kHasMin) {
      const __m512 dxc = _mm512_mul_ps(dx, _mm512_cvtepi32_ps(c));
      for (int r = 0; r < R; ++r) acc[r][t] = _mm512_fmadd_ps(wr[r].mw, dxc, acc[r][t]);
    }
  }
}

template <int R, int NT>
HWY_INLINE void TileBegin(const QActs& X, int64_t t0, const uint8_t* (&xp)[NT], __m512 (&acc)[R][NT]) {
  for (int t = 0; t < NT; ++t) {
    xp[t] = X.row_packed(t0 + t);
    for (int r = 0; r < R; ++r) acc[r][t] = _mm512_setzero_ps();
  }
}

template <int R, int NT>
HWY_INLINE void TileEnd(const __m512 (&acc)[R][NT], float* out, int64_t ldo) {
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < NT; ++t) out[r * ldo + t] = _mm512_reduce_add_ps(acc[r][t]);
}

// Row sources of a tile. Direct: one row decoded on the fly (decode steps).
// Predecoded: R rows read back from a DecodeRow buffer (prefill chunks).
// Tile<NT>: out[r * ldo + t] = dot(row r, token t0 + t) for r < R, t < NT.
template <class P>
struct Direct {
  static constexpr int R = 1;
  const uint8_t* row;
  template <int NT>
  HWY_INLINE void Tile(const QActs& X, int64_t t0, float* out, int64_t ldo) const {
    const uint8_t* xp[NT];
    __m512 acc[1][NT];
    TileBegin<1, NT>(X, t0, xp, acc);
    P::ForEachPair(row, X.nb, [&](int64_t p, const WPair& w) {
      Step<1, NT, P::kHasMin>([&](int) { return w; }, p, xp, acc);
    });
    TileEnd<1, NT>(acc, out, ldo);
  }
};

template <class P, int R_>
struct Predecoded {
  static constexpr int R = R_;
  const uint8_t* buf;
  template <int NT>
  HWY_INLINE void Tile(const QActs& X, int64_t t0, float* out, int64_t ldo) const {
    const uint8_t* xp[NT];
    __m512 acc[R][NT];
    TileBegin<R, NT>(X, t0, xp, acc);
    for (int64_t p = 0; p < X.np; ++p) {
      const uint8_t* e = buf + p * R * kDecodedBytes<P>;
      Step<R, NT, P::kHasMin>([&](int r) { return LoadDecoded<P>(e + r * kDecodedBytes<P>); }, p, xp, acc);
    }
    TileEnd<R, NT>(acc, out, ldo);
  }
};

// All T tokens against the R rows of src: Y[t * ldy + r] for r < R.
template <class Src>
HWY_INLINE void TokenTiles(const Src& src, const QActs& X, int64_t T, float* Y, int64_t ldy) {
  constexpr int NT = 4, R = Src::R;
  float o[R * NT];
  int64_t t = 0;
  auto put = [&](int nt) {
    for (int r = 0; r < R; ++r)
      for (int k = 0; k < nt; ++k) Y[(t + k) * ldy + r] = o[r * NT + k];
  };
  for (; t + NT <= T; t += NT) {
    src.template Tile<NT>(X, t, o, NT);
    put(NT);
  }
  switch (T - t) {
    case 3: src.template Tile<3>(X, t, o, NT); put(3); break;
    case 2: src.template Tile<2>(X, t, o, NT); put(2); break;
    case 1: src.template Tile<1>(X, t, o, NT); put(1); break;
    default: break;
  }
}

// rows_q for the formats above. Decode-sized T: rows decoded on the fly.
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
    for (int64_t r = r0; r < r1; ++r) TokenTiles(Direct<P>{row(r)}, X, T, Y + r, ldy);
    return;
  }
  AVec<uint8_t> buf(static_cast<size_t>(R * np * kDecodedBytes<P>));
  const size_t tile_bytes = static_cast<size_t>(R) * w.row_bytes;
  int64_t r = r0;
  for (; r + R <= r1; r += R) {
    for (int k = 0; k < R; ++k) DecodeRow<P>(row(r + k), X.nb, R, k, buf.data());
    if (r + 2 * R <= r1) Prefetch(row(r + R), tile_bytes);
    TokenTiles(Predecoded<P, R>{buf.data()}, X, T, Y + r, ldy);
  }
  for (; r < r1; ++r) {
    DecodeRow<P>(row(r), X.nb, 1, 0, buf.data());
    TokenTiles(Predecoded<P, 1>{buf.data()}, X, T, Y + r, ldy);
  }
}

}  // namespace qmm512

#endif  // HWY_TARGET == HWY_AVX3_DL
