// The row-panel kernel (backend/cpu/panels.hpp, Q8_0 / Q4_0 on AVX-512 VNNI;
// the K-quants: matmul_panels_kquants_test.cpp)
// against the scalar reference row_dot_ref: token counts leaving every tile
// remainder, row counts that are not multiples of 16 and row ranges that cut
// a panel; the panel bytes against the layout panels.hpp documents; a row
// gives the same bits in a chunk as alone and whatever the thread count; the
// CPU backend uses the panels, shares them through the Model's cache and
// gives matmul_multi the results of separate matmuls.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "backend/cpu/cpu_backend.hpp"
#include "backend/cpu/kernels.hpp"
#include "backend/cpu/ops.hpp"
#include "backend/cpu/panels.hpp"
#include "backend/weight_cache.hpp"
#include "core/dtype.hpp"
#include "core/row_dot.hpp"
#include "support/kernel_tolerance.hpp"
#include "support/random_weights.hpp"

namespace sinkstream {
namespace {

using backend::cpu::Kernels;
using backend::cpu::Panels;
using test::random_vec;

// The tables with a panel kernel. On a CPU with AVX-512 VNNI (every machine
// this project tests on) there must be one: an empty list fails, not skips.
std::vector<const Kernels*> panel_tables(core::DType t) {
  std::vector<const Kernels*> v;
  for (const Kernels* k : backend::cpu::available_kernels()) {
    if (backend::cpu::panels_supported(*k, t)) v.push_back(k);
  }
  return v;
}

TEST(MatmulPanels, AVnniCpuHasAPanelKernel) {
  const bool vnni = backend::cpu::kernels_by_name("avx512vnni") != nullptr;
  EXPECT_EQ(!panel_tables(core::DType::kQ4_0).empty(), vnni);
  EXPECT_EQ(!panel_tables(core::DType::kQ8_0).empty(), vnni);
  EXPECT_TRUE(panel_tables(core::DType::kMXFP4).empty());
  EXPECT_TRUE(vnni) << "this test machine is expected to run the AVX-512 VNNI kernels";
}

TEST(MatmulPanels, PanelBytesFollowTheDocumentedLayout) {
  for (core::DType t : {core::DType::kQ8_0, core::DType::kQ4_0}) {
    const int64_t rows = 19, cols = 96, nb = 3;
    const test::RandomMatrix m(t, rows, cols, 7);
    const auto p = backend::cpu::make_panels(m.view);
    const int64_t dwords = t == core::DType::kQ8_0 ? 8 : 4, block = 2 + 4 * dwords;
    ASSERT_EQ(p->n_panels, 2);
    ASSERT_EQ(p->panel_bytes % 64, 0);
    const int64_t qs = dwords * 64, pair = 2 * qs + 64;  // the layout of panels.hpp, restated
    ASSERT_EQ(p->panel_bytes, 2 * pair);                   // 3 blocks: 2 pairs, the last one half empty
    for (int64_t r = 0; r < 32; ++r) {
      const uint8_t* panel = p->panel(r / 16);
      const int64_t lane = r % 16;
      for (int64_t b = 0; b < nb; ++b) {
        uint8_t want[2 + 32] = {};
        if (r < rows) std::memcpy(want, m.view.row_ptr(r) + b * block, static_cast<size_t>(block));
        const uint8_t* pair_at = panel + (b / 2) * pair;
        EXPECT_EQ(std::memcmp(pair_at + 2 * qs + (b % 2) * 32 + 2 * lane, want, 2), 0) << r << " " << b;
        for (int64_t j = 0; j < dwords; ++j) {
          EXPECT_EQ(std::memcmp(pair_at + (b % 2) * qs + j * 64 + 4 * lane, want + 2 + 4 * j, 4), 0) << r << " " << b << " " << j;
        }
      }
    }
  }
}

TEST(MatmulPanels, EveryTokenCountAndRowCountMatchesReference) {
  core::ThreadPool pool(2);
  const int64_t token_counts[] = {1, 2, 3, 4, 5, 8, 17, 64};
  for (core::DType t : {core::DType::kQ8_0, core::DType::kQ4_0}) {
    for (int64_t cols : {int64_t{32}, int64_t{96}, int64_t{1056}}) {
      for (int64_t rows : {int64_t{1}, int64_t{13}, int64_t{16}, int64_t{17}, int64_t{40}}) {
        const test::RandomMatrix m(t, rows, cols, static_cast<uint32_t>(rows * 977 + cols));
        const auto p = backend::cpu::make_panels(m.view);
        const std::vector<float> X = random_vec(static_cast<size_t>(64 * cols), 31, 2.0f);
        std::vector<float> wrow(static_cast<size_t>(cols));
        for (const Kernels* k : panel_tables(t)) {
          std::vector<float> alone(static_cast<size_t>(64 * rows));
          for (int64_t tt = 0; tt < 64; ++tt) {
            backend::cpu::matmul_with(*k, m.view, X.data() + tt * cols, alone.data() + tt * rows, 1, pool, nullptr, p.get());
          }
          for (int64_t T : token_counts) {
            std::vector<float> Y(static_cast<size_t>(T * rows), -1.0f);
            backend::cpu::matmul_with(*k, m.view, X.data(), Y.data(), T, pool, nullptr, p.get());
            for (int64_t r = 0; r < rows; ++r) {
              core::row_dequantize_ref(t, m.view.row_ptr(r), wrow.data(), cols);
              for (int64_t tt = 0; tt < T; ++tt) {
                const float* x = X.data() + tt * cols;
                const size_t i = static_cast<size_t>(tt * rows + r);
                ASSERT_NEAR(Y[i], core::row_dot_ref(t, m.view.row_ptr(r), x, cols), test::dot_tolerance(wrow.data(), x, cols, true))
                    << k->name << " " << core::dtype_name(t) << " rows=" << rows << " cols=" << cols << " T=" << T << " r=" << r;
                ASSERT_EQ(Y[i], alone[i]) << "chunk != alone: " << core::dtype_name(t) << " rows=" << rows << " cols=" << cols
                                          << " T=" << T << " r=" << r;
              }
            }
          }
        }
      }
    }
  }
}

// Row ranges that start and end inside a panel write exactly their rows.
TEST(MatmulPanels, RowRangesInsideAPanelWriteOnlyTheirRows) {
  const int64_t rows = 40, cols = 64, T = 5;
  for (core::DType t : {core::DType::kQ8_0, core::DType::kQ4_0}) {
    const test::RandomMatrix m(t, rows, cols, 3);
    const auto p = backend::cpu::make_panels(m.view);
    const std::vector<float> X = random_vec(static_cast<size_t>(T * cols), 5, 1.0f);
    for (const Kernels* k : panel_tables(t)) {
      backend::cpu::QActs qa;
      backend::cpu::quantize_acts(X.data(), T, cols, &qa);
      std::vector<float> full(static_cast<size_t>(T * rows), 0.0f);
      k->rows_panels(*p, qa, T, 0, rows, full.data(), rows);
      std::vector<float> part(full.size(), 7.0f);
      k->rows_panels(*p, qa, T, 3, 21, part.data(), rows);
      for (int64_t tt = 0; tt < T; ++tt) {
        for (int64_t r = 0; r < rows; ++r) {
          const size_t i = static_cast<size_t>(tt * rows + r);
          EXPECT_EQ(part[i], r >= 3 && r < 21 ? full[i] : 7.0f) << k->name << " t=" << tt << " r=" << r;
        }
      }
    }
  }
}

TEST(MatmulPanels, ThreadCountDoesNotChangeBits) {
  core::ThreadPool one(1), three(3);
  for (core::DType t : {core::DType::kQ8_0, core::DType::kQ4_0}) {
    const int64_t cols = 544, rows = 67, T = 9;
    const test::RandomMatrix m(t, rows, cols, 5);
    const auto p = backend::cpu::make_panels(m.view);
    const std::vector<float> X = random_vec(static_cast<size_t>(T * cols), 8, 3.0f);
    for (const Kernels* k : panel_tables(t)) {
      std::vector<float> y1(static_cast<size_t>(T * rows)), y3(y1.size());
      backend::cpu::matmul_with(*k, m.view, X.data(), y1.data(), T, one, nullptr, p.get());
      backend::cpu::matmul_with(*k, m.view, X.data(), y3.data(), T, three, nullptr, p.get());
      EXPECT_EQ(y1, y3) << k->name << " " << core::dtype_name(t);
    }
  }
}

// The backend makes each weight's panels once in the shared cache, and its
// matmul / matmul_multi give what the panel kernel gives directly.
TEST(MatmulPanels, BackendUsesSharedPanels) {
  const Kernels& k = backend::cpu::active_kernels();
  if (!backend::cpu::panels_supported(k, core::DType::kQ4_0)) {
    GTEST_FAIL() << "active kernels " << k.name << " have no panel kernel (SINKSTREAM_SIMD set?)";
  }
  const int64_t cols = 256, T = 6;
  const test::RandomMatrix q(core::DType::kQ4_0, 48, cols, 1), kk(core::DType::kQ4_0, 16, cols, 2),
      v(core::DType::kQ8_0, 20, cols, 3);
  const std::vector<float> X = random_vec(static_cast<size_t>(T * cols), 9, 1.5f);
  auto cache = std::make_shared<backend::WeightCache>();
  backend::cpu::CpuBackend a(2, cache), b(1, cache);
  core::ThreadPool pool(1);
  const core::TensorView* ws[3] = {&q.view, &kk.view, &v.view};
  const core::TensorView* biases[3] = {nullptr, nullptr, nullptr};
  std::vector<float> ya[3], yb[3], want[3];
  for (int i = 0; i < 3; ++i) {
    ya[i].assign(static_cast<size_t>(T * ws[i]->rows), 0.0f);
    yb[i].assign(ya[i].size(), 0.0f);
    want[i].assign(ya[i].size(), 0.0f);
    const auto p = backend::cpu::make_panels(*ws[i]);
    backend::cpu::matmul_with(k, *ws[i], X.data(), want[i].data(), T, pool, nullptr, p.get());
    a.matmul(*ws[i], X.data(), ya[i].data(), T, nullptr);
    EXPECT_EQ(ya[i], want[i]) << i;
  }
  float* Ys[3] = {yb[0].data(), yb[1].data(), yb[2].data()};
  b.matmul_multi(ws, X.data(), Ys, 3, T, biases);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(yb[i], want[i]) << i;
  // The second backend found the first one's panels: nothing new is made.
  for (int i = 0; i < 3; ++i) {
    bool made = false;
    cache->get_or_make(ws[i]->data, static_cast<int>(ws[i]->type), [&] {
      made = true;
      return std::unique_ptr<backend::WeightCache::Entry>();
    });
    EXPECT_FALSE(made) << i;
  }
}

}  // namespace
}  // namespace sinkstream
