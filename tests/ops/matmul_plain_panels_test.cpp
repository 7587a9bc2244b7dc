// The F16 / BF16 row-panel kernel (backend/cpu/plain_panels-inl.h) on every
// SIMD target this machine runs. Its documented arithmetic is one f32 FMA
// chain per output in column order; the oracle is that chain written out in
// scalar code with std::fma over the weights the reference dequantizer gives
// (core::row_dequantize_ref), and targets with FMA instructions (avx2,
// avx512, avx512vnni) must match it bit for bit. Targets without (SSE4,
// EMU128: Highway rounds the product first) must stay within the error bound
// of a sequential sum, n * 2^-23 * sum |w x|, of a double-precision dot
// product. Also: the panel and token-tile bytes against the layouts
// panels.hpp documents;
// token counts leaving every tile remainder; row counts that are not multiples
// of 16 and row ranges inside a panel; thread counts; matmul_multi and the CPU
// backend through the shared weight cache.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "backend/cpu/cpu_backend.hpp"
#include "backend/cpu/kernels.hpp"
#include "backend/cpu/ops.hpp"
#include "backend/cpu/panels.hpp"
#include "backend/weight_cache.hpp"
#include "core/dtype.hpp"
#include "core/row_dot.hpp"
#include "support/random_weights.hpp"

namespace sinkstream {
namespace {

using backend::cpu::Kernels;
using test::random_vec;

constexpr core::DType kTypes[] = {core::DType::kF16, core::DType::kBF16};

std::vector<const Kernels*> plain_panel_tables() {
  std::vector<const Kernels*> v;
  for (const Kernels* k : backend::cpu::available_kernels()) {
    if (backend::cpu::panels_supported(*k, core::DType::kF16)) v.push_back(k);
  }
  return v;
}

bool has_fma(const Kernels& k) {
  const std::string n = k.name;
  return n == "avx2" || n == "avx512" || n == "avx512vnni";
}

// Row r of m as floats.
std::vector<float> weights_of(const core::TensorView& w, int64_t r) {
  std::vector<float> out(static_cast<size_t>(w.cols));
  core::row_dequantize_ref(w.type, w.row_ptr(r), out.data(), w.cols);
  return out;
}

float fma_chain(const std::vector<float>& w, const float* x) {
  float acc = 0.0f;
  for (size_t k = 0; k < w.size(); ++k) acc = std::fma(w[k], x[k], acc);
  return acc;
}

// |chain - exact| <= n u sum|w x| (sequential summation, u = 2^-24), doubled for slack.
void expect_within_chain_bound(const std::vector<float>& w, const float* x, float got, const std::string& what) {
  double exact = 0.0, mag = 0.0;
  for (size_t k = 0; k < w.size(); ++k) {
    exact += static_cast<double>(w[k]) * x[k];
    mag += std::fabs(static_cast<double>(w[k]) * x[k]);
  }
  const double bound = static_cast<double>(w.size() + 1) * std::ldexp(1.0, -23) * mag + 1e-30;
  EXPECT_LE(std::fabs(got - exact), bound) << what;
}

TEST(MatmulPlainPanels, EveryTargetHasTheKernel) {
  const std::vector<const Kernels*> v = plain_panel_tables();
  ASSERT_FALSE(v.empty()) << "no table has the F16 / BF16 panel kernel";
  int fma = 0;
  for (const Kernels* k : v) fma += has_fma(*k) ? 1 : 0;
  EXPECT_GE(fma, 1) << "this test machine is expected to run at least one FMA target";
  EXPECT_FALSE(backend::cpu::panels_supported(*backend::cpu::kernels_by_name("ref"), core::DType::kF16));
}

TEST(MatmulPlainPanels, PanelBytesFollowTheDocumentedLayout) {
  for (core::DType t : kTypes) {
    const int64_t rows = 19, cols = 37;
    const test::RandomMatrix m(t, rows, cols, 11);
    const auto p = backend::cpu::make_panels(m.view);
    ASSERT_EQ(p->n_panels, 2);
    ASSERT_EQ(p->panel_bytes, 32 * cols);
    for (int64_t r = 0; r < 32; ++r) {
      for (int64_t k = 0; k < cols; ++k) {
        uint16_t want = 0, got = 0;
        if (r < rows) std::memcpy(&want, m.view.row_ptr(r) + 2 * k, 2);
        std::memcpy(&got, p->panel(r / 16) + 32 * k + 2 * (r % 16), 2);
        ASSERT_EQ(got, want) << core::dtype_name(t) << " r=" << r << " k=" << k;
      }
    }
  }
}

TEST(MatmulPlainPanels, TokenTilesFollowTheDocumentedLayout) {
  const int64_t cols = 5, tile = 12;
  // T = 29: 3 tiles of 9, 10, 10 tokens (balanced: 29 * j / 3 = 0, 9, 19).
  const std::vector<int64_t> begins = {0, 9, 19, 29};
  for (int64_t j = 0; j < 4; ++j) EXPECT_EQ(backend::cpu::token_tile_begin(29, tile, j), begins[static_cast<size_t>(j)]);
  for (int64_t T : {int64_t{1}, int64_t{12}, int64_t{13}, int64_t{29}, int64_t{64}}) {
    const std::vector<float> X = random_vec(static_cast<size_t>(T * cols), 4, 1.0f);
    backend::cpu::AVec<float> xt;
    backend::cpu::pack_token_tiles(X.data(), T, cols, tile, &xt);
    ASSERT_EQ(xt.size(), static_cast<size_t>(T * cols));
    const int64_t n = (T + tile - 1) / tile;
    for (int64_t j = 0; j < n; ++j) {
      const int64_t t0 = T * j / n, nt = T * (j + 1) / n - t0;
      ASSERT_LE(nt, tile);
      for (int64_t i = 0; i < nt; ++i) {
        for (int64_t k = 0; k < cols; ++k) {
          ASSERT_EQ(xt[static_cast<size_t>(t0 * cols + k * nt + i)], X[static_cast<size_t>((t0 + i) * cols + k)])
              << "T=" << T << " t=" << t0 + i << " k=" << k;
        }
      }
    }
  }
}

TEST(MatmulPlainPanels, EveryTokenCountAndRowCountIsTheFmaChain) {
  core::ThreadPool pool(2);
  const int64_t token_counts[] = {1, 2, 3, 4, 5, 7, 11, 12, 13, 25, 64};
  for (core::DType t : kTypes) {
    for (int64_t cols : {int64_t{1}, int64_t{7}, int64_t{263}, int64_t{1030}}) {
      for (int64_t rows : {int64_t{1}, int64_t{13}, int64_t{16}, int64_t{17}, int64_t{40}, int64_t{150}}) {
        const test::RandomMatrix m(t, rows, cols, static_cast<uint32_t>(rows * 977 + cols));
        const auto p = backend::cpu::make_panels(m.view);
        const std::vector<float> X = random_vec(static_cast<size_t>(64 * cols), 31, 2.0f);
        std::vector<std::vector<float>> w;
        for (int64_t r = 0; r < rows; ++r) w.push_back(weights_of(m.view, r));
        for (const Kernels* k : plain_panel_tables()) {
          for (int64_t T : token_counts) {
            std::vector<float> Y(static_cast<size_t>(T * rows), -1.0f);
            backend::cpu::matmul_with(*k, m.view, X.data(), Y.data(), T, pool, nullptr, p.get());
            for (int64_t r = 0; r < rows; ++r) {
              for (int64_t tt = 0; tt < T; ++tt) {
                const float* x = X.data() + tt * cols;
                const float got = Y[static_cast<size_t>(tt * rows + r)];
                const std::string what = std::string(k->name) + " " + core::dtype_name(t) + " rows=" +
                                         std::to_string(rows) + " cols=" + std::to_string(cols) +
                                         " T=" + std::to_string(T) + " r=" + std::to_string(r) + " t=" + std::to_string(tt);
                if (has_fma(*k)) ASSERT_EQ(got, fma_chain(w[static_cast<size_t>(r)], x)) << what;
                else expect_within_chain_bound(w[static_cast<size_t>(r)], x, got, what);
              }
            }
          }
        }
      }
    }
  }
}

// Long rows: the bound of the FMA chain against a double-precision dot
// product holds (the chain is as accurate as a sequential sum must be).
TEST(MatmulPlainPanels, LongRowsStayWithinTheSequentialSumBound) {
  core::ThreadPool pool(2);
  for (core::DType t : kTypes) {
    const int64_t rows = 33, cols = 5632, T = 14;
    const test::RandomMatrix m(t, rows, cols, 77);
    const auto p = backend::cpu::make_panels(m.view);
    const std::vector<float> X = random_vec(static_cast<size_t>(T * cols), 5, 3.0f);
    for (const Kernels* k : plain_panel_tables()) {
      std::vector<float> Y(static_cast<size_t>(T * rows));
      backend::cpu::matmul_with(*k, m.view, X.data(), Y.data(), T, pool, nullptr, p.get());
      for (int64_t r = 0; r < rows; ++r) {
        const std::vector<float> w = weights_of(m.view, r);
        for (int64_t tt = 0; tt < T; ++tt) {
          expect_within_chain_bound(w, X.data() + tt * cols, Y[static_cast<size_t>(tt * rows + r)],
                                    std::string(k->name) + " r=" + std::to_string(r));
        }
      }
    }
  }
}

TEST(MatmulPlainPanels, RowRangesInsideAPanelWriteOnlyTheirRows) {
  const int64_t rows = 40, cols = 64, T = 13;
  for (core::DType t : kTypes) {
    const test::RandomMatrix m(t, rows, cols, 3);
    const auto p = backend::cpu::make_panels(m.view);
    const std::vector<float> X = random_vec(static_cast<size_t>(T * cols), 5, 1.0f);
    for (const Kernels* k : plain_panel_tables()) {
      backend::cpu::AVec<float> xt;
      backend::cpu::pack_token_tiles(X.data(), T, cols, k->plain_tile, &xt);
      std::vector<float> full(static_cast<size_t>(T * rows), 0.0f);
      k->rows_plain_panels(*p, xt.data(), T, 0, rows, full.data(), rows);
      std::vector<float> part(full.size(), 7.0f);
      k->rows_plain_panels(*p, xt.data(), T, 3, 21, part.data(), rows);
      for (int64_t tt = 0; tt < T; ++tt) {
        for (int64_t r = 0; r < rows; ++r) {
          const size_t i = static_cast<size_t>(tt * rows + r);
          EXPECT_EQ(part[i], r >= 3 && r < 21 ? full[i] : 7.0f) << k->name << " t=" << tt << " r=" << r;
        }
      }
    }
  }
}

TEST(MatmulPlainPanels, ThreadCountAndChunkDoNotChangeBits) {
  core::ThreadPool one(1), three(3);
  for (core::DType t : kTypes) {
    const int64_t cols = 300, rows = 67, T = 29;
    const test::RandomMatrix m(t, rows, cols, 5);
    const auto p = backend::cpu::make_panels(m.view);
    const std::vector<float> X = random_vec(static_cast<size_t>(T * cols), 8, 3.0f);
    for (const Kernels* k : plain_panel_tables()) {
      std::vector<float> y1(static_cast<size_t>(T * rows)), y3(y1.size()), alone(y1.size());
      backend::cpu::matmul_with(*k, m.view, X.data(), y1.data(), T, one, nullptr, p.get());
      backend::cpu::matmul_with(*k, m.view, X.data(), y3.data(), T, three, nullptr, p.get());
      EXPECT_EQ(y1, y3) << k->name << " " << core::dtype_name(t);
      for (int64_t tt = 0; tt < T; ++tt) {
        backend::cpu::matmul_with(*k, m.view, X.data() + tt * cols, alone.data() + tt * rows, 1, one, nullptr, p.get());
      }
      EXPECT_EQ(y1, alone) << "chunk != alone: " << k->name << " " << core::dtype_name(t);
    }
  }
}

// The backend makes each F16 / BF16 weight's panels once in the shared cache;
// its matmul and matmul_multi (F16 and BF16 matrices in one call) give the
// FMA chains.
TEST(MatmulPlainPanels, BackendUsesSharedPanels) {
  const Kernels& k = backend::cpu::active_kernels();
  ASSERT_TRUE(backend::cpu::panels_supported(k, core::DType::kF16)) << "active kernels " << k.name;
  ASSERT_TRUE(has_fma(k)) << "active kernels " << k.name << " (SINKSTREAM_SIMD set?)";
  const int64_t cols = 96, T = 15;
  const test::RandomMatrix a_f16(core::DType::kF16, 48, cols, 1), b_bf16(core::DType::kBF16, 17, cols, 2),
      c_f16(core::DType::kF16, 20, cols, 3);
  const std::vector<float> X = random_vec(static_cast<size_t>(T * cols), 9, 1.5f);
  auto cache = std::make_shared<backend::WeightCache>();
  backend::cpu::CpuBackend a(2, cache), b(1, cache);
  const core::TensorView* ws[3] = {&a_f16.view, &b_bf16.view, &c_f16.view};
  const core::TensorView* biases[3] = {nullptr, nullptr, nullptr};
  std::vector<float> ya[3], yb[3];
  for (int i = 0; i < 3; ++i) {
    ya[i].assign(static_cast<size_t>(T * ws[i]->rows), 0.0f);
    yb[i].assign(ya[i].size(), 0.0f);
    a.matmul(*ws[i], X.data(), ya[i].data(), T, nullptr);
    for (int64_t r = 0; r < ws[i]->rows; ++r) {
      const std::vector<float> w = weights_of(*ws[i], r);
      for (int64_t tt = 0; tt < T; ++tt)
        ASSERT_EQ(ya[i][static_cast<size_t>(tt * ws[i]->rows + r)], fma_chain(w, X.data() + tt * cols)) << i;
    }
  }
  float* Ys[3] = {yb[0].data(), yb[1].data(), yb[2].data()};
  b.matmul_multi(ws, X.data(), Ys, 3, T, biases);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(yb[i], ya[i]) << i;
  for (int i = 0; i < 3; ++i) {
    bool made = false;
    cache->get_or_make(ws[i]->data, static_cast<int>(ws[i]->type), [&] {
      made = true;
      return std::unique_ptr<backend::WeightCache::Entry>();
    });
    EXPECT_FALSE(made) << i;
  }
}

// panels_for offers the source pages back to the kernel once the panels are
// made (MADV_PAGEOUT). That must never lose data: memory that is not a file's
// (here the heap, where MADV_DONTNEED would have zeroed whole pages) keeps
// its bytes, and the row kernels on the source still give the same results.
TEST(MatmulPlainPanels, SourceBytesSurviveTheirRelease) {
  const Kernels& k = backend::cpu::active_kernels();
  core::ThreadPool pool(1);
  for (core::DType t : {core::DType::kF16, core::DType::kQ4_0}) {
    const int64_t rows = 300, cols = 1024, T = 3;  // 600 KiB / 169 KiB: many whole pages
    const test::RandomMatrix m(t, rows, cols, 21);
    const std::vector<uint8_t> before = m.bytes;
    const std::vector<float> X = random_vec(static_cast<size_t>(T * cols), 2, 1.0f);
    std::vector<float> y0(static_cast<size_t>(T * rows)), y1(y0.size());
    backend::cpu::matmul_with(k, m.view, X.data(), y0.data(), T, pool);
    backend::WeightCache cache;
    ASSERT_NE(backend::cpu::panels_for(k, m.view, cache), nullptr) << core::dtype_name(t);
    EXPECT_EQ(m.bytes, before) << core::dtype_name(t);
    backend::cpu::matmul_with(k, m.view, X.data(), y1.data(), T, pool);
    EXPECT_EQ(y1, y0) << core::dtype_name(t);
  }
}

}  // namespace
}  // namespace sinkstream
