#include "backend/cpu/panels.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <cstring>
#include <new>

#include "core/dtype.hpp"

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

}  // namespace

Panels::~Panels() {
  if (data != nullptr) munmap(data, mapped);
}

bool panels_supported(const Kernels& k, core::DType t) {
  return k.rows_panels != nullptr && (t == core::DType::kQ8_0 || t == core::DType::kQ4_0);
}

std::unique_ptr<Panels> make_panels(const core::TensorView& w) {
  auto p = std::make_unique<Panels>();
  p->type = w.type;
  p->rows = w.rows;
  p->cols = w.cols;
  p->nb = w.cols / kQActBlock;
  p->dwords = w.type == core::DType::kQ8_0 ? 8 : 4;
  const int64_t block_bytes = 2 + 4 * p->dwords;  // f16 d, then the quant bytes (34 or 18)
  p->qs_bytes = p->dwords * 64;
  p->pair_bytes = 2 * p->qs_bytes + 64;
  p->panel_bytes = (p->nb + 1) / 2 * p->pair_bytes;
  p->n_panels = (w.rows + kPanelRows - 1) / kPanelRows;
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

const Panels* panels_for(const Kernels& k, const core::TensorView& w, WeightCache& cache) {
  if (!panels_supported(k, w.type) || w.cols % kQActBlock != 0 || w.rows <= 0) return nullptr;
  const auto* p = static_cast<const Panels*>(
      cache.get_or_make(w.data, static_cast<int>(w.type), [&] { return make_panels(w); }));
  // Another view of the same bytes with another shape keeps the row kernels.
  return p != nullptr && p->rows == w.rows && p->cols == w.cols ? p : nullptr;
}

}  // namespace sinkstream::backend::cpu
