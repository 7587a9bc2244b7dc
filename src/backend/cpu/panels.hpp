// Row panels: Q8_0 / Q4_0 / Q4_K / Q5_K / Q6_K / F16 / BF16 weights repacked once (at a
// weight's first matmul, kept in the Model's WeightCache) into the layout the
// 512-bit VNNI kernels stream best: 16 rows interleaved per block of 32 columns, so that one
// vpdpbusd lane is one row and a block's integer dot accumulates in that lane
// over all 32 weights before its single float conversion (the row-major kernel
// of qmm_avx512-inl.h converts every 4 products: 3 float ops per 64 products
// there, 3 and a broadcast per 512 here; see docs/performance.md).
//
// Layout of panel P (rows 16P .. 16P+15; rows past the matrix are zero), nb =
// cols / 32 blocks in ceil(nb / 2) block pairs, one stream (qs then scales of
// each pair, so decode reads every panel front to back):
//   pair k = blocks 2k, 2k+1, pair_bytes = 2 * qs_bytes + 64 apart:
//     qs of block 2k, qs of block 2k+1   each [kDwords][16 rows][4 bytes]:
//                                         dword j of row r at j * 64 + 4 r
//         Q8_0: kDwords = 8 (32 int8 values); Q4_0: kDwords = 4 (16 bytes, byte
//         k holding weight k in its low nibble and weight k + 16 in its high one)
//     d of block 2k, d of block 2k+1     each [16 rows] f16 (32 bytes)
//   (an odd last block leaves its partner's bytes zero)
//
// K-quants (core/quant/kquants.hpp): panel P is ns = cols / 256 super-blocks
// of sb_bytes each, every field [..][16 rows][..] so a vector load is one
// field of the 16 rows (64-byte aligned):
//   Q4_K, sb_bytes = 2304 (16 x 144):
//     +0    d     [16 rows] f16           +32   dmin [16 rows] f16
//     +64   scales[3 dwords][16 rows][4 B]: dword k of row r = scales[4k .. 4k+3], at 64 + 64 k + 4 r
//     +256  chunk c (0..3) at 256 + 512 c: qs [8 dwords][16 rows][4 B], dword j of row r =
//           qs[32c + 4j .. 32c + 4j + 3] at 64 j + 4 r (low nibbles: sub-block 2c, high: 2c + 1)
//   Q5_K, sb_bytes = 2816 (16 x 176): Q4_K's header, chunk c at 256 + 640 c: its qs as Q4_K
//     (512 B), then the 5th bits of sub-block 2c + h (h = 0, 1) at + 512 + 64 h as 8 masks
//     [8 groups] u64: bit 4 r + i of mask g = 5th bit of weight 4g + i of row r
//     (= bit 2c + h of qh[4g + i]).
//   Q6_K, sb_bytes = 3392 (16 x 210 + 32 zero bytes keeping the 64-byte alignment):
//     +0    d [16 rows] f16, then 32 zero bytes
//     +64   scales[4 dwords][16 rows][4 B] (int8): dword k of row r = scales[4k .. 4k+3]
//     +320  half h (0, 1) at 320 + 1536 h: qh [8 dwords][16 rows][4 B] (dword g = qh[32h + 4g ..]),
//           then at + 512 ql [16 dwords][16 rows][4 B] (dword j = ql[64h + 4j ..]); the kernel
//           takes the half's blocks in the order 0, 2, 1, 3 (2 shares block 0's ql bytes,
//           3 block 1's), so it reads the panel front to back
// F16 / BF16 (every Highway target, plain_panels-inl.h): panel P is cols
// columns of 32 bytes, column k = the 16 rows' 16-bit values w[16P + i][k] at
// 2 i, so panel_bytes = 32 cols; a vector load of a column is 16 rows' weights
// for one activation (the kernel broadcasts x[k]: an outer product, no lane sums).
//
// Same bytes (Q5_K: the same bits) as the rows, reordered: no value changes, so
// the kernels compute what the row kernels compute (act_quant.hpp), summed in
// another order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "backend/cpu/act_quant.hpp"
#include "backend/cpu/kernels.hpp"
#include "backend/weight_cache.hpp"
#include "core/tensor.hpp"

namespace sinkstream::backend::cpu {

inline constexpr int64_t kPanelRows = 16;

struct Panels final : WeightCache::Entry {
  core::DType type = core::DType::kQ8_0;  // kQ8_0, kQ4_0, kQ4_K, kQ5_K, kQ6_K, kF16 or kBF16
  int64_t rows = 0, cols = 0;
  int64_t nb = 0;           // blocks per row: cols / 32
  int64_t dwords = 0;       // Q8_0 / Q4_0: quant dwords per row and block: 8 (Q8_0) or 4 (Q4_0)
  int64_t qs_bytes = 0;     // Q8_0 / Q4_0: quant bytes of one block of a panel: dwords * 64
  int64_t pair_bytes = 0;   // Q8_0 / Q4_0: one block pair: 2 * qs_bytes + 64
  int64_t sb_bytes = 0;     // K-quants: one super-block (256 columns) of a panel: 2304, 2816 or 3392
  int64_t panel_bytes = 0;  // stride between panels: ceil(nb / 2) * pair_bytes, cols / 256 * sb_bytes, or 32 cols
  int64_t n_panels = 0;     // ceil(rows / 16)
  uint8_t* data = nullptr;  // [n_panels][panel_bytes], mapped (see make_panels)
  size_t mapped = 0;        // bytes mapped at data

  Panels() = default;
  Panels(const Panels&) = delete;
  Panels& operator=(const Panels&) = delete;
  ~Panels() override;

  const uint8_t* panel(int64_t p) const { return data + p * panel_bytes; }
  // Offsets in a panel of block b's quant bytes and of its 16 f16 scales.
  int64_t qs_offset(int64_t b) const { return (b / 2) * pair_bytes + (b % 2) * qs_bytes; }
  int64_t d_offset(int64_t b) const { return (b / 2) * pair_bytes + 2 * qs_bytes + (b % 2) * 32; }
};

// True for the K-quant panel types (256-column super-blocks).
bool is_kquant_panel(core::DType t);

// True for the 16-bit float panel types (F16, BF16): their kernel takes f32
// activations (Kernels::rows_plain_panels), the others Q8 ones (rows_panels).
bool is_plain_panel(core::DType t);

// True when a table has a panel kernel for type t (AVX-512 VNNI: Q8_0, Q4_0,
// Q4_K, Q5_K, Q6_K; every Highway target: F16, BF16).
bool panels_supported(const Kernels& k, core::DType t);

// The panels of w (type Q8_0 or Q4_0 with cols a multiple of 32, a K-quant
// with cols a multiple of 256, or F16 / BF16 of any shape), in pages mapped
// for them alone (not from malloc's heap, which they would fragment for the
// life of the model); from 2 MiB up, 2 MiB aligned with the whole 2 MiB pages
// advised for huge pages (decode streams every byte once per token: fewer TLB
// misses measured ~6% faster decode on TinyLlama Q4_0).
std::unique_ptr<Panels> make_panels(const core::TensorView& w);

// X[T][cols] into token tiles for Kernels::rows_plain_panels: n = ceil(T /
// tile) tiles of balanced sizes (at most `tile`, differing by at most one),
// tile j = tokens [token_tile_begin(T, tile, j), token_tile_begin(T, tile, j + 1)),
// nt of them, from t0 = its first token, at out[t0 * cols ..] as [cols][nt]:
// x[t0 + i][k] at k * nt + i. With T == 1 the layout is X itself.
void pack_token_tiles(const float* X, int64_t T, int64_t cols, int64_t tile, AVec<float>* out);
inline int64_t token_tile_begin(int64_t T, int64_t tile, int64_t j) {
  const int64_t n = (T + tile - 1) / tile;
  return T * j / n;
}

// w's panels from cache (made on first use, after which w's own pages are
// offered back to the kernel: MADV_PAGEOUT, see panels.cpp), or null when the
// table has no panel kernel for w's type and shape (the row kernels then run).
const Panels* panels_for(const Kernels& k, const core::TensorView& w, WeightCache& cache);

}  // namespace sinkstream::backend::cpu
