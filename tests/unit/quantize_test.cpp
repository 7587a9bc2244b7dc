// Quantizers: round-off bounds derived from each format's step size, exact
// round trips for data on the quantization grid, and dot == sum of products.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "core/f16.hpp"
#include "core/quantize.hpp"
#include "core/row_dot.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {
namespace {

// Random row [n]: sub-block k of 32 elements scaled by 2^(k % 5 - 2) so scales vary.
std::vector<float> random_row(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n));
  for (size_t i = 0; i < x.size(); ++i) x[i] = u(rng) * std::ldexp(1.0f, static_cast<int>((i / 32) % 5) - 2);
  return x;
}

struct Roundtrip {
  std::vector<uint8_t> q;  // [core::dtype_row_bytes] block bytes
  std::vector<float> y;    // [n] decoded
};

Roundtrip roundtrip(core::DType t, const std::vector<float>& x) {
  const auto n = static_cast<int64_t>(x.size());
  Roundtrip r;
  r.q.resize(core::dtype_row_bytes(t, n));
  core::quantize_row_ref(t, x.data(), r.q.data(), n);
  r.y.resize(x.size());
  core::row_dequantize_ref(t, r.q.data(), r.y.data(), n);
  return r;
}

// f16 stored at byte offset `at` of a block.
float f16_at(const uint8_t* blk, size_t at) { return core::f16_to_f32(static_cast<uint16_t>(blk[at] | (blk[at + 1] << 8))); }

TEST(Quantize, Q8_0ErrorAtMostHalfAStep) {
  const auto x = random_row(1024, 1);
  const auto r = roundtrip(core::DType::kQ8_0, x);
  for (size_t b = 0; b < x.size() / 32; ++b) {
    const float d = f16_at(r.q.data() + 34 * b, 0);  // Q8_0: f16 d at offset 0
    float amax = 0.0f;
    for (size_t j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[32 * b + j]));
    EXPECT_NEAR(d, amax / 127.0f, amax / 127.0f / 1024.0f);  // f16 rounding of amax / 127
    for (size_t j = 0; j < 32; ++j) EXPECT_LE(std::fabs(r.y[32 * b + j] - x[32 * b + j]), 0.5f * d * 1.0001f);
  }
}

TEST(Quantize, Q4_0AndQ5_0ErrorBounds) {
  // d = -vmax / 2^(b-1): every value is within half a step, except values near +|vmax|
  // (opposite sign to vmax) where the top level 2^(b-1)-1 is one step short: at most |d|.
  const struct { core::DType t; size_t bytes; float half; } cases[] = {{core::DType::kQ4_0, 18, 8.0f}, {core::DType::kQ5_0, 22, 16.0f}};
  for (const auto& c : cases) {
    SCOPED_TRACE(core::dtype_name(c.t));
    const auto x = random_row(1024, 2);
    const auto r = roundtrip(c.t, x);
    for (size_t b = 0; b < x.size() / 32; ++b) {
      const float d = f16_at(r.q.data() + c.bytes * b, 0);
      for (size_t j = 0; j < 32; ++j) {
        const float xi = x[32 * b + j], err = std::fabs(r.y[32 * b + j] - xi);
        const float level = xi / d;  // in [-half, half]
        if (level <= c.half - 1.0f + 0.5f) {
          EXPECT_LE(err, 0.5f * std::fabs(d) * 1.0001f) << b << " " << j;
        } else {
          EXPECT_LE(err, std::fabs(d) * 1.0001f) << b << " " << j;
        }
      }
    }
  }
}

TEST(Quantize, Q4_1AndQ5_1ErrorAtMostHalfAStep) {
  const struct { core::DType t; size_t bytes; float levels; } cases[] = {{core::DType::kQ4_1, 20, 15.0f}, {core::DType::kQ5_1, 24, 31.0f}};
  for (const auto& c : cases) {
    SCOPED_TRACE(core::dtype_name(c.t));
    const auto x = random_row(1024, 3);
    const auto r = roundtrip(c.t, x);
    for (size_t b = 0; b < x.size() / 32; ++b) {
      const float d = f16_at(r.q.data() + c.bytes * b, 0), m = f16_at(r.q.data() + c.bytes * b, 2);
      const auto first = x.begin() + static_cast<std::ptrdiff_t>(32 * b);
      const float lo = *std::min_element(first, first + 32), hi = *std::max_element(first, first + 32);
      EXPECT_NEAR(d, (hi - lo) / c.levels, (hi - lo) / c.levels / 1024.0f);
      EXPECT_NEAR(m, lo, std::fabs(lo) / 1024.0f);
      // Half a step, plus the f16 rounding of m and of the top of the range.
      const float bound = 0.5f * d + (std::fabs(lo) + std::fabs(hi)) / 1024.0f;
      for (size_t j = 0; j < 32; ++j) EXPECT_LE(std::fabs(r.y[32 * b + j] - x[32 * b + j]), bound);
    }
  }
}

TEST(Quantize, KQuantErrorBounds) {
  // Q4_K / Q5_K: sub-block j (32 elements) has step s_j >= (max_j - min(0, min_j)) / nmax, and the
  // scale quantization (6-bit sub-scales of an f16 super-scale, rounded up) adds at most
  // one super-step R / (63 nmax) to s_j and to the min offset. Error <= s_j / 2.
  const struct { core::DType t; float nmax; } cases[] = {{core::DType::kQ4_K, 15.0f}, {core::DType::kQ5_K, 31.0f}};
  for (const auto& c : cases) {
    SCOPED_TRACE(core::dtype_name(c.t));
    const auto x = random_row(1024, 4);
    const auto r = roundtrip(c.t, x);
    for (size_t sb = 0; sb < x.size() / 256; ++sb) {
      float range[8], rmax = 0.0f;
      for (size_t j = 0; j < 8; ++j) {
        const auto first = x.begin() + static_cast<std::ptrdiff_t>(256 * sb + 32 * j);
        const float lo = std::min(0.0f, *std::min_element(first, first + 32));
        const float hi = *std::max_element(first, first + 32);
        range[j] = hi - lo;
        rmax = std::max(rmax, range[j]);
      }
      for (size_t j = 0; j < 8; ++j) {
        const float bound = 0.5f * (range[j] / c.nmax + 2.1f * rmax / (63.0f * c.nmax)) + 1e-6f;
        for (size_t l = 0; l < 32; ++l) {
          const size_t i = 256 * sb + 32 * j + l;
          EXPECT_LE(std::fabs(r.y[i] - x[i]), bound) << i;
        }
      }
    }
  }
}

TEST(Quantize, Q6_KErrorBound) {
  // 16 sub-blocks of 16; step s_k >= amax_k / 31 with int8 sub-scales of an f16 super-scale
  // (rounded up: at most one super-step A / (127 * 31) more). Error <= s_k / 2.
  const auto x = random_row(1024, 5);
  const auto r = roundtrip(core::DType::kQ6_K, x);
  for (size_t sb = 0; sb < x.size() / 256; ++sb) {
    float amax[16], a = 0.0f;
    for (size_t k = 0; k < 16; ++k) {
      amax[k] = 0.0f;
      for (size_t l = 0; l < 16; ++l) amax[k] = std::max(amax[k], std::fabs(x[256 * sb + 16 * k + l]));
      a = std::max(a, amax[k]);
    }
    for (size_t k = 0; k < 16; ++k) {
      const float bound = 0.5f * (amax[k] / 31.0f + 1.01f * a / (127.0f * 31.0f)) + 1e-7f;
      for (size_t l = 0; l < 16; ++l) {
        const size_t i = 256 * sb + 16 * k + l;
        EXPECT_LE(std::fabs(r.y[i] - x[i]), bound) << i;
      }
    }
  }
}

TEST(Quantize, GridValuesRoundTripExactly) {
  // Values already on a format's grid come back bit for bit.
  std::vector<float> q8(32), q4(32), q41(32);
  for (int j = 0; j < 32; ++j) {
    q8[j] = 0.125f * static_cast<float>(j == 0 ? -127 : j * 4 - 64);  // amax 127 * 0.125 -> d = 0.125
    q4[j] = 0.5f * static_cast<float>(j % 16 - 8);                    // vmax = -4 -> d = 0.5
    q41[j] = 1.0f + 0.25f * static_cast<float>(j % 16);               // min 1, max 4.75 -> d = 0.25
  }
  EXPECT_EQ(roundtrip(core::DType::kQ8_0, q8).y, q8);
  EXPECT_EQ(roundtrip(core::DType::kQ4_0, q4).y, q4);
  EXPECT_EQ(roundtrip(core::DType::kQ4_1, q41).y, q41);
  std::vector<float> zeros(256, 0.0f), constant(32, 0.75f);
  for (core::DType t : {core::DType::kQ8_0, core::DType::kQ4_0, core::DType::kQ4_1, core::DType::kQ5_0, core::DType::kQ5_1, core::DType::kQ4_K,
                  core::DType::kQ5_K, core::DType::kQ6_K, core::DType::kMXFP4}) {
    EXPECT_EQ(roundtrip(t, zeros).y, zeros) << core::dtype_name(t);
  }
  EXPECT_EQ(roundtrip(core::DType::kQ4_1, constant).y, constant);  // d = 0, m = 0.75
}

TEST(Quantize, PlainTypesBytes) {
  const std::vector<float> x = {1.0f, -2.0f};
  const auto f16 = roundtrip(core::DType::kF16, x);
  EXPECT_EQ(f16.q, (std::vector<uint8_t>{0x00, 0x3C, 0x00, 0xC0}));
  const auto bf16 = roundtrip(core::DType::kBF16, x);
  EXPECT_EQ(bf16.q, (std::vector<uint8_t>{0x80, 0x3F, 0x00, 0xC0}));
  const auto f32 = roundtrip(core::DType::kF32, x);
  EXPECT_EQ(f32.q, (std::vector<uint8_t>{0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0}));
  EXPECT_EQ(f32.y, x);
}

TEST(Quantize, NonFiniteInputsGiveValidBlocks) {
  std::vector<float> x(256, 1.0f);
  x[3] = std::numeric_limits<float>::quiet_NaN();
  x[40] = std::numeric_limits<float>::infinity();
  x[77] = -std::numeric_limits<float>::infinity();
  x[100] = 1e30f;
  for (core::DType t : {core::DType::kQ8_0, core::DType::kQ4_0, core::DType::kQ4_1, core::DType::kQ5_0, core::DType::kQ5_1, core::DType::kQ4_K,
                  core::DType::kQ5_K, core::DType::kQ6_K, core::DType::kF16, core::DType::kBF16, core::DType::kMXFP4}) {
    EXPECT_NO_THROW(roundtrip(t, x)) << core::dtype_name(t);  // UBSan would flag a bad float->int cast
  }
}

TEST(Quantize, RejectsBadLengths) {
  std::vector<float> x(40);
  std::vector<uint8_t> out(1024);
  EXPECT_THROW(core::quantize_row_ref(core::DType::kQ8_0, x.data(), out.data(), 40), Error);
  for (core::DType t : {core::DType::kF32, core::DType::kF16, core::DType::kBF16, core::DType::kQ8_0, core::DType::kQ4_0, core::DType::kQ4_1, core::DType::kQ5_0,
                  core::DType::kQ5_1, core::DType::kQ4_K, core::DType::kQ5_K, core::DType::kQ6_K, core::DType::kMXFP4}) {
    EXPECT_TRUE(core::dtype_has_quantizer(t));
  }
}

TEST(RowDot, MisalignedF32RowIsReadSafely) {
  // Found by gguf_fuzz: an f32 row at an odd address must not be read as a float*.
  alignas(16) uint8_t buf[1 + 8] = {};
  const float w[2] = {1.5f, -2.0f};
  std::memcpy(buf + 1, w, 8);
  const float x[2] = {2.0f, 1.0f};
  EXPECT_EQ(core::row_dot_ref(core::DType::kF32, buf + 1, x, 2), 1.0f);  // 3 - 2
  float y[2];
  core::row_dequantize_ref(core::DType::kF32, buf + 1, y, 2);
  EXPECT_EQ(y[1], -2.0f);
}

TEST(RowDot, EqualsSumOfDequantizedProducts) {
  for (core::DType t : {core::DType::kF32, core::DType::kF16, core::DType::kBF16, core::DType::kQ8_0, core::DType::kQ4_0, core::DType::kQ4_1, core::DType::kQ5_0,
                  core::DType::kQ5_1, core::DType::kQ4_K, core::DType::kQ5_K, core::DType::kQ6_K, core::DType::kMXFP4}) {
    SCOPED_TRACE(core::dtype_name(t));
    const auto w = random_row(512, 6);
    const auto x = random_row(512, 7);
    const auto r = roundtrip(t, w);
    double expect = 0.0, mag = 0.0;
    for (size_t i = 0; i < w.size(); ++i) {
      expect += static_cast<double>(r.y[i]) * x[i];
      mag += std::fabs(static_cast<double>(r.y[i]) * x[i]);
    }
    const float got = core::row_dot_ref(t, r.q.data(), x.data(), 512);
    EXPECT_NEAR(got, expect, 1e-5 * mag);
    // And the quantized dot stays close to the f32 dot.
    double exact = 0.0;
    for (size_t i = 0; i < w.size(); ++i) exact += static_cast<double>(w[i]) * x[i];
    EXPECT_NEAR(got, exact, 0.1 * mag);
  }
}

}  // namespace
}  // namespace sinkstream
