// The register-blocked matmul tiles (rows x tokens) on every SIMD target this
// machine runs, against the scalar reference row_dot_ref: token counts that
// leave every tile remainder (T = 1, 2, 3, 4, 5, 8, 17, 64), row counts that
// are not multiples of the row tile, rows of one block and of many (odd and
// even block counts: the 512-bit kernels work on block pairs), every weight
// type. Also: a row gives the same bits in a chunk as alone, whatever the
// thread count, and every target quantizes activations to the reference's bits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "backend/cpu/act_quant.hpp"
#include "backend/cpu/kernels.hpp"
#include "backend/cpu/ops.hpp"
#include "core/dtype.hpp"
#include "core/f16.hpp"
#include "core/quantize.hpp"
#include "core/row_dot.hpp"
#include "support/kernel_tolerance.hpp"
#include "support/random_weights.hpp"

namespace sinkstream {
namespace {

using test::random_vec;

// No slack after the last row of a test matrix: an over-read shows in ASan.
constexpr size_t kSlack = 0;

bool is_plain(core::DType t) { return t == core::DType::kF32 || t == core::DType::kF16 || t == core::DType::kBF16; }

// Reference Y[T][rows] and the tolerance of each element: f32 reassociation,
// plus the 8-bit activation rounding for the block quants (see kernels_test.cpp).
void reference(const test::RandomMatrix& m, const std::vector<float>& X, int64_t T, std::vector<float>* ref,
               std::vector<float>* bound) {
  const int64_t rows = m.view.rows, cols = m.view.cols;
  const bool plain = is_plain(m.view.type);
  ref->assign(static_cast<size_t>(T * rows), 0.0f);
  bound->assign(ref->size(), 0.0f);
  std::vector<float> wrow(static_cast<size_t>(cols));
  for (int64_t r = 0; r < rows; ++r) {
    core::row_dequantize_ref(m.view.type, m.view.row_ptr(r), wrow.data(), cols);
    for (int64_t t = 0; t < T; ++t) {
      const float* x = X.data() + t * cols;
      (*ref)[static_cast<size_t>(t * rows + r)] = core::row_dot_ref(m.view.type, m.view.row_ptr(r), x, cols);
      (*bound)[static_cast<size_t>(t * rows + r)] = test::dot_tolerance(wrow.data(), x, cols, !plain);
    }
  }
}

std::vector<int64_t> cols_for(core::DType t) {
  if (t == core::DType::kQ4_K || t == core::DType::kQ5_K || t == core::DType::kQ6_K) return {256, 768};  // 1 and 3 super-blocks
  if (is_plain(t)) return {7, 263};                                 // shorter than a vector; ragged tail
  return {32, 96, 320, 1056};                                       // 1, 3, 10, 33 blocks (odd and even pairs)
}

TEST(MatmulTiles, EveryTypeTokenCountAndRowCountMatchesReference) {
  core::ThreadPool pool(2);
  const core::DType types[] = {core::DType::kF32, core::DType::kF16, core::DType::kBF16, core::DType::kQ8_0, core::DType::kQ4_0, core::DType::kQ4_K, core::DType::kQ5_K,
                               core::DType::kQ6_K};
  const int64_t token_counts[] = {1, 2, 3, 4, 5, 8, 17, 64};
  for (core::DType t : types) {
    for (int64_t cols : cols_for(t)) {
      for (int64_t rows : {int64_t{1}, int64_t{6}, int64_t{13}}) {
        const test::RandomMatrix m(t, rows, cols, static_cast<uint32_t>(rows * 131 + cols), kSlack);
        const std::vector<float> X = random_vec(static_cast<size_t>(64 * cols), 17, 2.0f);
        for (const backend::cpu::Kernels* k : backend::cpu::available_kernels()) {
          // Each token alone (decode): the bits every chunk must reproduce.
          std::vector<float> alone(static_cast<size_t>(64 * rows));
          for (int64_t tt = 0; tt < 64; ++tt) {
            backend::cpu::matmul_with(*k, m.view, X.data() + tt * cols, alone.data() + tt * rows, 1, pool);
          }
          for (int64_t T : token_counts) {
            std::vector<float> ref, bound;
            reference(m, X, T, &ref, &bound);
            std::vector<float> Y(ref.size(), -1.0f);
            backend::cpu::matmul_with(*k, m.view, X.data(), Y.data(), T, pool);
            for (size_t i = 0; i < Y.size(); ++i) {
              ASSERT_NEAR(Y[i], ref[i], bound[i])
                  << k->name << " " << core::dtype_name(t) << " rows=" << rows << " cols=" << cols << " T=" << T << " i=" << i;
              ASSERT_EQ(Y[i], alone[i]) << "chunk != alone: " << k->name << " " << core::dtype_name(t) << " rows=" << rows
                                        << " cols=" << cols << " T=" << T << " i=" << i;
            }
          }
        }
      }
    }
  }
}

// Large enough to go through the pool: the row split between threads must not
// change any bit (tiles see different row remainders per thread).
TEST(MatmulTiles, ThreadCountDoesNotChangeBits) {
  core::ThreadPool one(1), three(3);
  for (core::DType t : {core::DType::kQ8_0, core::DType::kQ4_0, core::DType::kF16, core::DType::kQ4_K}) {
    const int64_t cols = t == core::DType::kQ4_K ? 512 : 544, rows = 67, T = 9;
    const test::RandomMatrix m(t, rows, cols, 5, kSlack);
    const std::vector<float> X = random_vec(static_cast<size_t>(T * cols), 8, 3.0f);
    for (const backend::cpu::Kernels* k : backend::cpu::available_kernels()) {
      std::vector<float> y1(static_cast<size_t>(T * rows)), y3(y1.size());
      backend::cpu::matmul_with(*k, m.view, X.data(), y1.data(), T, one);
      backend::cpu::matmul_with(*k, m.view, X.data(), y3.data(), T, three);
      EXPECT_EQ(y1, y3) << k->name << " " << core::dtype_name(t);
    }
  }
}

// Every table's quantizer gives the reference's bits, including blocks of
// zeros, exact ties (x / d = k + 0.5), huge values and non-finite inputs.
TEST(MatmulTiles, EveryTargetQuantizesActivationsLikeTheReference) {
  const int64_t cols = 32 * 7, T = 3;
  std::vector<float> X = random_vec(static_cast<size_t>(T * cols), 21, 4.0f);
  for (int i = 32; i < 64; ++i) X[static_cast<size_t>(i)] = 0.0f;                       // block 1: zeros
  for (int i = 64; i < 96; ++i) X[static_cast<size_t>(i)] = 0.5f * static_cast<float>(i - 80);  // ties
  X[96] = 127.0f;  // block 3: amax exactly 127, ties at .5 steps
  for (int i = 97; i < 128; ++i) X[static_cast<size_t>(i)] = static_cast<float>(i - 112) + 0.5f;
  X[130] = std::numeric_limits<float>::infinity();  // block 4: inf
  X[170] = std::numeric_limits<float>::quiet_NaN();  // block 5: NaN
  X[200] = 3e38f;                                    // block 6: huge
  backend::cpu::QActs ref;
  backend::cpu::quantize_acts(X.data(), T, cols, &ref);
  ASSERT_EQ(ref.ldq, 256);  // 7 blocks = 4 pairs, zero tail
  for (const backend::cpu::Kernels* k : backend::cpu::available_kernels()) {
    backend::cpu::QActs q;
    q.resize(T, cols);
    std::fill(q.q.begin(), q.q.end(), int8_t{99});
    k->quantize_acts(X.data(), 0, T, &q);
    EXPECT_TRUE(q.q == ref.q) << k->name;
    for (size_t i = 0; i < ref.d.size(); ++i) {
      EXPECT_EQ(q.d[i], ref.d[i]) << k->name << " block " << i;  // the NaN is ignored by amax, inf gives d = inf
    }
    EXPECT_TRUE(q.packed == ref.packed) << k->name;
  }
  // The lane-expanded data the 512-bit kernels read.
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t b = 0; b < 8; ++b) {
      int32_t sum[2] = {0, 0};  // each half of 16
      for (int64_t i = 0; i < 32 && b < 7; ++i) sum[i / 16] += ref.row_q(t)[b * 32 + i];
      const uint8_t* pk = ref.row_packed(t) + (b / 2) * backend::cpu::kPackedPair;
      int32_t c[8];
      float d;
      std::memcpy(c, pk + 128 + 4 * 8 * (b % 2), sizeof(c));
      std::memcpy(&d, pk + 64 + 4 * (8 * (b % 2) + 3), 4);
      EXPECT_EQ(c[0], -128 * sum[0]);
      EXPECT_EQ(c[4], -128 * sum[1]);
      for (int lane : {1, 2, 3, 5, 6, 7}) EXPECT_EQ(c[lane], 0);
      EXPECT_EQ(d, b < 7 ? ref.row_d(t)[b] : 0.0f);
      for (int64_t i = 0; i < 32; ++i) EXPECT_EQ(static_cast<int8_t>(pk[32 * (b % 2) + i]), ref.row_q(t)[32 * b + i]);
    }
    for (int64_t i = cols; i < ref.ldq; ++i) EXPECT_EQ(ref.row_q(t)[i], 0);
  }
}

}  // namespace
}  // namespace sinkstream
