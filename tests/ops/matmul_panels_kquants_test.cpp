// The K-quant row panels (Q4_K / Q5_K / Q6_K, backend/cpu/panels.hpp) on
// AVX-512 VNNI: the panel bytes against the layout panels.hpp documents; the
// kernel against the reference dequantization dotted with the same 8-bit
// activations (tight: only f32 rounding differs), against row_dot_ref and the
// row kernel (the usual activation-quantization tolerance), for token counts
// leaving every tile remainder, row counts that are not multiples of 16, row
// ranges cutting a panel, and super-blocks of random bytes (every 6-bit scale
// and min, negative Q6_K scales); a row gives the same bits in a chunk as alone
// and whatever the thread count; matmul_multi mixing K-quant panels with other
// matrices gives the separate matmuls' results.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "backend/cpu/cpu_backend.hpp"
#include "backend/cpu/kernels.hpp"
#include "backend/cpu/ops.hpp"
#include "backend/cpu/panels.hpp"
#include "backend/weight_cache.hpp"
#include "core/dtype.hpp"
#include "core/f16.hpp"
#include "core/quant/kquants.hpp"
#include "core/row_dot.hpp"
#include "support/kernel_tolerance.hpp"
#include "support/random_weights.hpp"

namespace sinkstream {
namespace {

using backend::cpu::Kernels;
using backend::cpu::Panels;
using test::random_vec;

constexpr core::DType kTypes[] = {core::DType::kQ4_K, core::DType::kQ5_K, core::DType::kQ6_K};

std::vector<const Kernels*> panel_tables(core::DType t) {
  std::vector<const Kernels*> v;
  for (const Kernels* k : backend::cpu::available_kernels()) {
    if (backend::cpu::panels_supported(*k, t)) v.push_back(k);
  }
  return v;
}

int64_t block_bytes(core::DType t) { return t == core::DType::kQ4_K ? 144 : t == core::DType::kQ5_K ? 176 : 210; }

// A matrix of random bytes but sane f16 d (and dmin) fields: every bit of the
// scales, mins and quants takes both values (the reference quantizer's output
// need not reach them all).
struct RandomBytesMatrix {
  RandomBytesMatrix(core::DType t, int64_t rows, int64_t cols, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(0.001f, 0.02f);
    const int64_t bb = block_bytes(t), ns = cols / 256;
    bytes.resize(static_cast<size_t>(rows * ns * bb));
    for (auto& b : bytes) b = static_cast<uint8_t>(rng() & 0xFF);
    for (int64_t k = 0; k < rows * ns; ++k) {
      uint8_t* blk = bytes.data() + k * bb;
      const uint16_t d = core::f32_to_f16(u(rng)), dmin = core::f32_to_f16(u(rng));
      if (t == core::DType::kQ6_K) {
        std::memcpy(blk + 208, &d, 2);
      } else {
        std::memcpy(blk, &d, 2);
        std::memcpy(blk + 2, &dmin, 2);
      }
    }
    view.type = t;
    view.data = bytes.data();
    view.rows = rows;
    view.cols = cols;
    view.name = "random bytes";
  }
  std::vector<uint8_t> bytes;
  core::TensorView view;
};

TEST(MatmulPanelsKQuants, AVnniCpuHasKQuantPanelKernels) {
  const bool vnni = backend::cpu::kernels_by_name("avx512vnni") != nullptr;
  for (core::DType t : kTypes) EXPECT_EQ(!panel_tables(t).empty(), vnni) << core::dtype_name(t);
  EXPECT_TRUE(panel_tables(core::DType::kMXFP4).empty());
  EXPECT_TRUE(vnni) << "this test machine is expected to run the AVX-512 VNNI kernels";
}

// The layout of panels.hpp, restated field by field.
TEST(MatmulPanelsKQuants, PanelBytesFollowTheDocumentedLayout) {
  for (core::DType t : kTypes) {
    const int64_t rows = 19, cols = 512, ns = 2, bb = block_bytes(t);
    const RandomBytesMatrix m(t, rows, cols, 11);
    const auto p = backend::cpu::make_panels(m.view);
    const int64_t sbb = t == core::DType::kQ4_K ? 2304 : t == core::DType::kQ5_K ? 2816 : 3392;
    ASSERT_EQ(p->n_panels, 2);
    ASSERT_EQ(p->sb_bytes, sbb);
    ASSERT_EQ(p->panel_bytes, ns * sbb);
    for (int64_t r = 0; r < 32; ++r) {
      const int64_t lane = r % 16;
      for (int64_t s = 0; s < ns; ++s) {
        std::vector<uint8_t> want(static_cast<size_t>(bb), 0);  // rows past the matrix: zeros
        if (r < rows) std::memcpy(want.data(), m.view.row_ptr(r) + s * bb, static_cast<size_t>(bb));
        const uint8_t* sb = p->panel(r / 16) + s * sbb;
        const auto at4 = [&](int64_t field, int64_t k) { return sb + field + 64 * k + 4 * lane; };
        const std::string where = std::string(core::dtype_name(t)) + " r=" + std::to_string(r) + " s=" + std::to_string(s);
        if (t == core::DType::kQ6_K) {
          EXPECT_EQ(std::memcmp(sb + 2 * lane, want.data() + 208, 2), 0) << where;
          for (int64_t k = 0; k < 4; ++k) EXPECT_EQ(std::memcmp(at4(64, k), want.data() + 192 + 4 * k, 4), 0) << where;
          for (int64_t h = 0; h < 2; ++h) {
            for (int64_t g = 0; g < 8; ++g)
              EXPECT_EQ(std::memcmp(at4(320 + 1536 * h, g), want.data() + 128 + 32 * h + 4 * g, 4), 0) << where;
            for (int64_t j = 0; j < 16; ++j)
              EXPECT_EQ(std::memcmp(at4(320 + 1536 * h + 512, j), want.data() + 64 * h + 4 * j, 4), 0) << where;
          }
          for (int64_t i = 32; i < 64; ++i) EXPECT_EQ(sb[i], 0) << where;
          continue;
        }
        const bool five = t == core::DType::kQ5_K;
        const uint8_t* qs = want.data() + (five ? 48 : 16);
        EXPECT_EQ(std::memcmp(sb + 2 * lane, want.data(), 2), 0) << where;
        EXPECT_EQ(std::memcmp(sb + 32 + 2 * lane, want.data() + 2, 2), 0) << where;
        for (int64_t k = 0; k < 3; ++k) EXPECT_EQ(std::memcmp(at4(64, k), want.data() + 4 + 4 * k, 4), 0) << where;
        const int64_t chunk = five ? 640 : 512;
        for (int64_t c = 0; c < 4; ++c) {
          for (int64_t j = 0; j < 8; ++j) EXPECT_EQ(std::memcmp(at4(256 + chunk * c, j), qs + 32 * c + 4 * j, 4), 0) << where;
          if (!five) continue;
          for (int64_t h = 0; h < 2; ++h) {
            for (int64_t g = 0; g < 8; ++g) {
              uint64_t mask;
              std::memcpy(&mask, sb + 256 + chunk * c + 512 + 64 * h + 8 * g, 8);
              for (int64_t i = 0; i < 4; ++i) {
                const unsigned want_bit = (want[static_cast<size_t>(16 + 4 * g + i)] >> (2 * c + h)) & 1u;
                EXPECT_EQ((mask >> (4 * lane + i)) & 1u, want_bit) << where << " c=" << c << " h=" << h << " g=" << g;
              }
            }
          }
        }
      }
    }
  }
}

// sum_i w_i * (q_i * d_block(i)) in double: the reference dequantization dotted
// with the 8-bit activations the kernels see, and sum |.| of the same terms.
void quantized_dot(core::DType t, const uint8_t* row, const backend::cpu::QActs& qa, int64_t tok, int64_t cols, double* dot,
                   double* mag) {
  std::vector<float> w(static_cast<size_t>(cols));
  core::row_dequantize_ref(t, row, w.data(), cols);
  *dot = 0.0;
  *mag = 0.0;
  for (int64_t i = 0; i < cols; ++i) {
    const double x = static_cast<double>(qa.row_q(tok)[i]) * qa.row_d(tok)[i / 32];
    *dot += w[static_cast<size_t>(i)] * x;
    *mag += std::fabs(w[static_cast<size_t>(i)] * x);
  }
}

template <class M>
void check_matches(const M& m, core::DType t, int64_t rows, int64_t cols, core::ThreadPool& pool, bool random_bytes) {
  const int64_t token_counts[] = {1, 2, 3, 4, 5, 8, 17};
  const auto p = backend::cpu::make_panels(m.view);
  const std::vector<float> X = random_vec(static_cast<size_t>(17 * cols), static_cast<uint32_t>(31 + cols), 2.0f);
  backend::cpu::QActs qa;
  backend::cpu::quantize_acts(X.data(), 17, cols, &qa);
  std::vector<float> wrow(static_cast<size_t>(cols));
  for (const Kernels* k : panel_tables(t)) {
    std::vector<float> alone(static_cast<size_t>(17 * rows));
    for (int64_t tt = 0; tt < 17; ++tt) {
      backend::cpu::matmul_with(*k, m.view, X.data() + tt * cols, alone.data() + tt * rows, 1, pool, nullptr, p.get());
    }
    std::vector<float> rowk(static_cast<size_t>(17 * rows));  // the row kernel: no panels
    backend::cpu::matmul_with(*k, m.view, X.data(), rowk.data(), 17, pool, nullptr, nullptr);
    for (int64_t T : token_counts) {
      std::vector<float> Y(static_cast<size_t>(T * rows), -1.0f);
      backend::cpu::matmul_with(*k, m.view, X.data(), Y.data(), T, pool, nullptr, p.get());
      for (int64_t r = 0; r < rows; ++r) {
        core::row_dequantize_ref(t, m.view.row_ptr(r), wrow.data(), cols);
        for (int64_t tt = 0; tt < T; ++tt) {
          const float* x = X.data() + tt * cols;
          const size_t i = static_cast<size_t>(tt * rows + r);
          const std::string where = std::string(k->name) + " " + core::dtype_name(t) + (random_bytes ? " random bytes" : "") +
                                    " rows=" + std::to_string(rows) + " cols=" + std::to_string(cols) + " T=" +
                                    std::to_string(T) + " r=" + std::to_string(r) + " t=" + std::to_string(tt);
          double want = 0.0, mag = 0.0;
          quantized_dot(t, m.view.row_ptr(r), qa, tt, cols, &want, &mag);
          ASSERT_NEAR(Y[i], want, 2e-6 * mag + 1e-6) << where;
          const float tol = test::dot_tolerance(wrow.data(), x, cols, true);
          ASSERT_NEAR(Y[i], core::row_dot_ref(t, m.view.row_ptr(r), x, cols), tol) << where;
          ASSERT_NEAR(Y[i], rowk[i], 4e-6 * mag + 1e-6) << "panel vs row kernel: " << where;
          ASSERT_EQ(Y[i], alone[i]) << "chunk != alone: " << where;
        }
      }
    }
  }
}

TEST(MatmulPanelsKQuants, EveryTokenCountAndRowCountMatchesReference) {
  core::ThreadPool pool(2);
  for (core::DType t : kTypes) {
    for (int64_t cols : {int64_t{256}, int64_t{768}}) {
      for (int64_t rows : {int64_t{1}, int64_t{13}, int64_t{16}, int64_t{17}, int64_t{40}}) {
        const test::RandomMatrix m(t, rows, cols, static_cast<uint32_t>(rows * 977 + cols));
        check_matches(m, t, rows, cols, pool, false);
        const RandomBytesMatrix mb(t, rows, cols, static_cast<uint32_t>(rows * 31 + cols));
        check_matches(mb, t, rows, cols, pool, true);
      }
    }
  }
}

// Row ranges that start and end inside a panel write exactly their rows.
TEST(MatmulPanelsKQuants, RowRangesInsideAPanelWriteOnlyTheirRows) {
  const int64_t rows = 40, cols = 512, T = 5;
  for (core::DType t : kTypes) {
    const RandomBytesMatrix m(t, rows, cols, 3);
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
          EXPECT_EQ(part[i], r >= 3 && r < 21 ? full[i] : 7.0f) << k->name << " " << core::dtype_name(t) << " t=" << tt << " r=" << r;
        }
      }
    }
  }
}

TEST(MatmulPanelsKQuants, ThreadCountDoesNotChangeBits) {
  core::ThreadPool one(1), three(3);
  for (core::DType t : kTypes) {
    const int64_t cols = 768, rows = 67, T = 9;
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

// One matmul_multi mixing K-quant panels with a matrix that has none (MXFP4,
// the row kernel; as Q4_K with Q6_K in a Q4_K_M file before Q6_K had panels)
// gives what separate matmuls give, and the backend shares the panels.
TEST(MatmulPanelsKQuants, BackendMixesKQuantPanelsInMatmulMulti) {
  const Kernels& k = backend::cpu::active_kernels();
  if (!backend::cpu::panels_supported(k, core::DType::kQ4_K)) {
    GTEST_FAIL() << "active kernels " << k.name << " have no K-quant panel kernel (SINKSTREAM_SIMD set?)";
  }
  const int64_t cols = 512, T = 6;
  const test::RandomMatrix q(core::DType::kQ4_K, 48, cols, 1), kk(core::DType::kQ6_K, 16, cols, 2),
      v(core::DType::kQ5_K, 20, cols, 3), o(core::DType::kMXFP4, 36, cols, 4);
  const std::vector<float> X = random_vec(static_cast<size_t>(T * cols), 9, 1.5f);
  auto cache = std::make_shared<backend::WeightCache>();
  backend::cpu::CpuBackend a(2, cache), b(1, cache);
  core::ThreadPool pool(1);
  const core::TensorView* ws[4] = {&q.view, &kk.view, &v.view, &o.view};
  const core::TensorView* biases[4] = {nullptr, nullptr, nullptr, nullptr};
  std::vector<float> ya[4], yb[4], want[4];
  for (int i = 0; i < 4; ++i) {
    ya[i].assign(static_cast<size_t>(T * ws[i]->rows), 0.0f);
    yb[i].assign(ya[i].size(), 0.0f);
    want[i].assign(ya[i].size(), 0.0f);
    const auto p = i < 3 ? backend::cpu::make_panels(*ws[i]) : nullptr;
    backend::cpu::matmul_with(k, *ws[i], X.data(), want[i].data(), T, pool, nullptr, p.get());
    a.matmul(*ws[i], X.data(), ya[i].data(), T, nullptr);
    EXPECT_EQ(ya[i], want[i]) << i;
  }
  float* Ys[4] = {yb[0].data(), yb[1].data(), yb[2].data(), yb[3].data()};
  b.matmul_multi(ws, X.data(), Ys, 4, T, biases);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(yb[i], want[i]) << i;
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
