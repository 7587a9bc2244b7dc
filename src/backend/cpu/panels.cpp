#include "backend/cpu/panels.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>

#include "core/dtype.hpp"
#include "core/quant/kquants.hpp"

namespace sinkstream::backend::cpu {

namespace {

// Zeroed pages for `bytes` into p->data / p->mapped (see make_panels).
void map_zeroed(size_t bytes, Panels* p) {
  constexpr size_t kPage = 4096, kHuge = size_t{1} << 21;
  const size_t len = (bytes + kPage - 1) / kPage * kPage;
  const size_t extra = len >= kHuge ? kHuge : 0;  // room to align to 2 MiB
  void* raw = mmap(nullptr, len + extra, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  auto* base = static_cast<uint8_t*>(raw);
  if (extra != 0) {
    const auto addr = reinterpret_cast<uintptr_t>(raw);
    uint8_t* aligned = base + ((kHuge - addr % kHuge) % kHuge);
    if (aligned > base) munmap(base, static_cast<size_t>(aligned - base));
    if (aligned + len < base + len + extra) munmap(aligned + len, static_cast<size_t>(base + len + extra - (aligned + len)));
    base = aligned;
    madvise(base, len / kHuge * kHuge, MADV_HUGEPAGE);  // advice: failing costs only speed
  }
  p->data = base;
  p->mapped = len;
}

// Row r's super-blocks (core/quant/kquants.hpp) into lane r % 16 of its panel (layout: panels.hpp).
void repack_kquant_row(const Panels& p, const uint8_t* row, int64_t r) {
  uint8_t* panel = p.data + (r / kPanelRows) * p.panel_bytes;
  const int64_t lane = r % kPanelRows, ns = p.cols / core::quant::kQK_K;
  const auto put4 = [&](uint8_t* field, int64_t k, const uint8_t* src) { std::memcpy(field + 64 * k + 4 * lane, src, 4); };
  for (int64_t s = 0; s < ns; ++s) {
    uint8_t* sb = panel + s * p.sb_bytes;
    if (p.type == core::DType::kQ6_K) {
      const uint8_t* blk = row + s * 210;  // ql[128], qh[64], scales[16], d
      std::memcpy(sb + 2 * lane, blk + 208, 2);
      for (int64_t k = 0; k < 4; ++k) put4(sb + 64, k, blk + 192 + 4 * k);
      for (int64_t h = 0; h < 2; ++h) {
        for (int64_t g = 0; g < 8; ++g) put4(sb + 320 + 1536 * h, g, blk + 128 + 32 * h + 4 * g);
        for (int64_t j = 0; j < 16; ++j) put4(sb + 320 + 1536 * h + 512, j, blk + 64 * h + 4 * j);
      }
      continue;
    }
    const bool five = p.type == core::DType::kQ5_K;
    const uint8_t* blk = row + s * (five ? 176 : 144);  // d, dmin, scales[12], (Q5_K: qh[32]), qs[128]
    const uint8_t* qs = blk + (five ? 48 : 16);
    std::memcpy(sb + 2 * lane, blk, 2);
    std::memcpy(sb + 32 + 2 * lane, blk + 2, 2);
    for (int64_t k = 0; k < 3; ++k) put4(sb + 64, k, blk + 4 + 4 * k);
    const int64_t chunk = five ? 640 : 512;
    for (int64_t c = 0; c < 4; ++c) {
      uint8_t* ch = sb + 256 + chunk * c;
      for (int64_t j = 0; j < 8; ++j) put4(ch, j, qs + 32 * c + 4 * j);
      if (!five) continue;
      for (int64_t h = 0; h < 2; ++h) {
        for (int64_t g = 0; g < 8; ++g) {
          uint64_t mask = 0;
          std::memcpy(&mask, ch + 512 + 64 * h + 8 * g, 8);
          for (int64_t i = 0; i < 4; ++i) {
            const uint64_t bit = (blk[16 + 4 * g + i] >> (2 * c + h)) & 1u;
            mask |= bit << (4 * lane + i);
          }
          std::memcpy(ch + 512 + 64 * h + 8 * g, &mask, 8);
        }
      }
    }
  }
}

// Columns [0, cols) of 16 rows from r0 into panel r0 / 16 (layout: panels.hpp);
// rows past the matrix stay zero.
void repack_plain_panel(const Panels& p, const core::TensorView& w, int64_t r0) {
  auto* panel = reinterpret_cast<uint16_t*>(p.data + (r0 / kPanelRows) * p.panel_bytes);
  const int64_t n = std::min(kPanelRows, w.rows - r0);
  const uint16_t* src[kPanelRows];
  for (int64_t i = 0; i < n; ++i) src[i] = reinterpret_cast<const uint16_t*>(w.row_ptr(r0 + i));
  for (int64_t k = 0; k < w.cols; ++k) {
    for (int64_t i = 0; i < n; ++i) panel[k * kPanelRows + i] = src[i][k];
  }
}

// The panels now serve every matmul of w, so its own bytes are read again only
// through other views (a tied embedding table's lookups). Asks the kernel to
// reclaim their whole pages (MADV_PAGEOUT: a model file's clean pages are
// dropped and read from the file again if touched; nothing is lost, anonymous
// memory without swap stays), so the repacked copy does not double the
// resident size of a mapped model. Advice: failing costs only memory.
void release_source_pages(const core::TensorView& w) {
#ifdef MADV_PAGEOUT
  constexpr uintptr_t kPage = 4096;
  const auto begin = reinterpret_cast<uintptr_t>(w.data);
  const uintptr_t end = begin + static_cast<uintptr_t>(w.rows) * core::dtype_row_bytes(w.type, w.cols);
  const uintptr_t first = (begin + kPage - 1) / kPage * kPage, last = end / kPage * kPage;
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_PAGEOUT);
#else
  (void)w;
#endif
}

}  // namespace

bool is_plain_panel(core::DType t) { return t == core::DType::kF16 || t == core::DType::kBF16; }

bool is_kquant_panel(core::DType t) {
  return t == core::DType::kQ4_K || t == core::DType::kQ5_K || t == core::DType::kQ6_K;
}

Panels::~Panels() {
  if (data != nullptr) munmap(data, mapped);
}

bool panels_supported(const Kernels& k, core::DType t) {
  if (is_plain_panel(t)) return k.rows_plain_panels != nullptr;
  return k.rows_panels != nullptr && (t == core::DType::kQ8_0 || t == core::DType::kQ4_0 || is_kquant_panel(t));
}

std::unique_ptr<Panels> make_panels(const core::TensorView& w) {
  auto p = std::make_unique<Panels>();
  p->type = w.type;
  p->rows = w.rows;
  p->cols = w.cols;
  p->nb = w.cols / kQActBlock;
  p->n_panels = (w.rows + kPanelRows - 1) / kPanelRows;
  if (is_plain_panel(w.type)) {
    p->panel_bytes = w.cols * 2 * kPanelRows;
    map_zeroed(static_cast<size_t>(p->n_panels * p->panel_bytes), p.get());
    for (int64_t r = 0; r < w.rows; r += kPanelRows) repack_plain_panel(*p, w, r);
    return p;
  }
  if (is_kquant_panel(w.type)) {
    p->sb_bytes = w.type == core::DType::kQ4_K ? 2304 : w.type == core::DType::kQ5_K ? 2816 : 3392;
    p->panel_bytes = w.cols / core::quant::kQK_K * p->sb_bytes;
    map_zeroed(static_cast<size_t>(p->n_panels * p->panel_bytes), p.get());
    for (int64_t r = 0; r < w.rows; ++r) repack_kquant_row(*p, w.row_ptr(r), r);
    return p;
  }
  p->dwords = w.type == core::DType::kQ8_0 ? 8 : 4;
  const int64_t block_bytes = 2 + 4 * p->dwords;  // f16 d, then the quant bytes (34 or 18)
  p->qs_bytes = p->dwords * 64;
  p->pair_bytes = 2 * p->qs_bytes + 64;
  p->panel_bytes = (p->nb + 1) / 2 * p->pair_bytes;
  map_zeroed(static_cast<size_t>(p->n_panels * p->panel_bytes), p.get());
  for (int64_t r = 0; r < w.rows; ++r) {
    const uint8_t* row = w.row_ptr(r);
    uint8_t* panel = p->data + (r / kPanelRows) * p->panel_bytes;
    const int64_t lane = r % kPanelRows;
    for (int64_t b = 0; b < p->nb; ++b) {
      const uint8_t* blk = row + b * block_bytes;
      std::memcpy(panel + p->d_offset(b) + lane * 2, blk, 2);
      for (int64_t j = 0; j < p->dwords; ++j) std::memcpy(panel + p->qs_offset(b) + j * 64 + lane * 4, blk + 2 + 4 * j, 4);
    }
  }
  return p;
}

void pack_token_tiles(const float* X, int64_t T, int64_t cols, int64_t tile, AVec<float>* out) {
  out->resize(static_cast<size_t>(T * cols));
  float* o = out->data();
  const int64_t n = (T + tile - 1) / tile;
  for (int64_t j = 0; j < n; ++j) {
    const int64_t t0 = token_tile_begin(T, tile, j), nt = token_tile_begin(T, tile, j + 1) - t0;
    const float* x = X + t0 * cols;
    float* dst = o + t0 * cols;
    for (int64_t k = 0; k < cols; ++k) {
      for (int64_t i = 0; i < nt; ++i) dst[k * nt + i] = x[i * cols + k];
    }
  }
}

const Panels* panels_for(const Kernels& k, const core::TensorView& w, WeightCache& cache) {
  const int64_t unit = is_kquant_panel(w.type) ? core::quant::kQK_K : is_plain_panel(w.type) ? 1 : kQActBlock;
  if (!panels_supported(k, w.type) || w.cols % unit != 0 || w.rows <= 0) return nullptr;
  const auto* p = static_cast<const Panels*>(cache.get_or_make(w.data, static_cast<int>(w.type), [&] {
    std::unique_ptr<Panels> made = make_panels(w);
    release_source_pages(w);
    return made;
  }));
  // Another view of the same bytes with another shape keeps the row kernels.
  return p != nullptr && p->rows == w.rows && p->cols == w.cols ? p : nullptr;
}

}  // namespace sinkstream::backend::cpu
