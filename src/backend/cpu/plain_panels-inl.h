// F16 / BF16 row panels (layout: panels.hpp), every Highway target; included
// by kernels_hwy.cpp inside its per-target namespace (uses its `hn`).
//
// One output Y[t][r] is one f32 FMA chain over the columns in order, from 0:
//   acc = w[r][k] * x[t][k] + acc,  k = 0, 1, ..., cols - 1.
// A panel column k holds the 16 rows' weights w[16P .. 16P+15][k] side by
// side, so one vector of it times the broadcast x[t][k] advances 16 (or the
// target's lane count of) chains at once, and no lane sum is needed. Because
// each chain's operations do not depend on the tile, a row gives the same
// bits in a prefill chunk, a decode step, a batch, any thread split, or alone;
// prefill (a GEMM) and decode (a matvec) are one kernel with different tiles.
// (Targets without FMA instructions, EMU128, round each product before the
// sum: the same order, other bits; a row still gives the same bits in any tile.)
//
// Tiles: NP panels x NT tokens of accumulators (AVX-512: 2 x 12 = 24 of the 32
// vector registers; 8 x 1 to 8 x 3 when few tokens come, so that decode keeps
// 8 independent chains in flight). Per column of a 2 x 12 tile: 2 weight loads
// with their widening, 12 broadcasts from one cache line run, 24 FMAs. The
// activations come in token tiles (pack_token_tiles: [cols][12] per tile), so
// a tile's broadcasts walk one stream. Tokens are taken in chunks whose
// activations fit L2 (kChunkBytes) so each panel is read from memory once per
// chunk and then from cache by every token tile of the chunk.
namespace plain_panels {

using DF = hn::CappedTag<float, 16>;
using VF = hn::Vec<DF>;
inline constexpr size_t kLanes = HWY_MIN(size_t{16}, HWY_LANES(float));
inline constexpr int kV = static_cast<int>(16 / kLanes);  // vectors per panel column
// Accumulator vectors a tile may hold: 24 of AVX-512's 32 registers, 12 of 16 elsewhere.
inline constexpr int kAccBudget = HWY_LANES(float) >= 16 ? 24 : 12;
inline constexpr int kMaxNT = kAccBudget / kV >= 12 ? 12 : kAccBudget / kV >= 6 ? 6 : kAccBudget / kV >= 3 ? 3 : 1;
inline constexpr int64_t kChunkBytes = 768 * 1024;  // activations of a token chunk (L2: 1-2 MiB per core)

// Panels per tile for NT tokens: as many as the budget holds, at most 8, a power of 2.
constexpr int PanelsFor(int nt) {
  int np = 8;
  while (np > 1 && np * kV * nt > kAccBudget) np /= 2;
  return np;
}

template <int kKind>
HWY_INLINE VF Load16(const uint16_t* p) {
  const DF df;
  if constexpr (kKind == kPF16) {
    const hn::Rebind<hwy::float16_t, DF> dh;
    return hn::PromoteTo(df, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(p)));
  } else {
    const hn::Rebind<uint16_t, DF> du16;
    const hn::Rebind<uint32_t, DF> du32;
    return hn::BitCast(df, hn::ShiftLeft<16>(hn::PromoteTo(du32, hn::LoadU(du16, p))));
  }
}

// out[t][16 p + i] = chain of row 16 p + i of panels pan[p] against token t
// of a tile xt = [cols][NT] (x[t][k] at xt[k * NT + t]), for p < NP, t < NT
// (out: [NT][NP * 16]).
template <int kKind, int NP, int NT>
HWY_NOINLINE void Tile(const uint16_t* const* pan, const float* xt, size_t cols, float* out) {
  const DF df;
  VF acc[NP][kV][NT];
  for (int p = 0; p < NP; ++p)
    for (int v = 0; v < kV; ++v)
      for (int t = 0; t < NT; ++t) acc[p][v][t] = hn::Zero(df);
  for (size_t k = 0; k < cols; ++k) {
    VF w[NP][kV];
    for (int p = 0; p < NP; ++p)
      for (int v = 0; v < kV; ++v) w[p][v] = Load16<kKind>(pan[p] + k * 16 + static_cast<size_t>(v) * kLanes);
    for (int t = 0; t < NT; ++t) {
      const VF x = hn::Set(df, xt[k * NT + static_cast<size_t>(t)]);
      for (int p = 0; p < NP; ++p)
        for (int v = 0; v < kV; ++v) acc[p][v][t] = hn::MulAdd(w[p][v], x, acc[p][v][t]);
    }
  }
  for (int t = 0; t < NT; ++t)
    for (int p = 0; p < NP; ++p)
      for (int v = 0; v < kV; ++v) hn::StoreU(acc[p][v][t], df, out + t * NP * 16 + p * 16 + v * static_cast<int>(kLanes));
}

// Panels [q, q + np) against the NT tokens of tile xt starting at token t:
// tiles of NP panels, then of NP / 2, ..., 1; rows outside [r0, r1) are not written.
template <int kKind, int NT, int NP = PanelsFor(NT)>
HWY_INLINE void PanelTiles(const Panels& w, const float* xt, int64_t t, int64_t q, int64_t np, int64_t r0, int64_t r1,
                           float* Y, int64_t ldy) {
  const size_t cols = static_cast<size_t>(w.cols);
  HWY_ALIGN float out[NT * NP * 16];
  const int64_t end = q + np;
  for (; q + NP <= end; q += NP) {
    const uint16_t* pan[NP];
    for (int i = 0; i < NP; ++i) pan[i] = reinterpret_cast<const uint16_t*>(w.panel(q + i));
    Tile<kKind, NP, NT>(pan, xt, cols, out);
    for (int tt = 0; tt < NT; ++tt) {
      for (int64_t r = std::max(r0, q * 16); r < std::min(r1, (q + NP) * 16); ++r)
        Y[(t + tt) * ldy + r] = out[tt * NP * 16 + (r - q * 16)];
    }
  }
  if constexpr (NP > 1) {
    if (q < end) PanelTiles<kKind, NT, NP / 2>(w, xt, t, q, end - q, r0, r1, Y, ldy);
  }
}

template <int kKind, int NT = kMaxNT>
HWY_INLINE void PanelTilesOf(int nt, const Panels& w, const float* xt, int64_t t, int64_t q, int64_t np, int64_t r0,
                             int64_t r1, float* Y, int64_t ldy) {
  if (nt == NT) return PanelTiles<kKind, NT>(w, xt, t, q, np, r0, r1, Y, ldy);
  if constexpr (NT > 1) PanelTilesOf<kKind, NT - 1>(nt, w, xt, t, q, np, r0, r1, Y, ldy);
}

// Y[t * ldy + r] for t < T, r in [r0, r1), from Xt = X in balanced token
// tiles of at most kMaxNT tokens (pack_token_tiles).
template <int kKind>
void Rows(const Panels& w, const float* Xt, int64_t T, int64_t r0, int64_t r1, float* Y, int64_t ldy) {
  const int64_t p0 = r0 / 16, p1 = (r1 + 15) / 16, cols = w.cols;
  const int64_t n_tiles = (T + kMaxNT - 1) / kMaxNT;
  // Panels walked together: those of one tile of the widest token tile.
  const int64_t group = PanelsFor(static_cast<int>(token_tile_begin(T, kMaxNT, 1)));
  // Token tiles per chunk: their activations fit kChunkBytes.
  const int64_t chunk = std::max<int64_t>(1, kChunkBytes / (4 * cols * kMaxNT));
  for (int64_t c = 0; c < n_tiles; c += chunk) {
    const int64_t c1 = std::min(n_tiles, c + chunk);
    for (int64_t p = p0; p < p1; p += group) {
      const int64_t np = std::min(group, p1 - p);
      for (int64_t j = c; j < c1; ++j) {
        const int64_t t = token_tile_begin(T, kMaxNT, j);
        const int nt = static_cast<int>(token_tile_begin(T, kMaxNT, j + 1) - t);
        PanelTilesOf<kKind>(nt, w, Xt + t * cols, t, p, np, r0, r1, Y, ldy);
      }
    }
  }
}

}  // namespace plain_panels

void RowsPlainPanels(const Panels& w, const float* Xt, int64_t T, int64_t r0, int64_t r1, float* Y, int64_t ldy) {
  if (w.type == core::DType::kF16) plain_panels::Rows<kPF16>(w, Xt, T, r0, r1, Y, ldy);
  else if (w.type == core::DType::kBF16) plain_panels::Rows<kPBF16>(w, Xt, T, r0, r1, Y, ldy);
}
