// cpu::rope_angles_freq against the RoPE angle formula evaluated here in long
// double: cos/sin(pos * theta^(-2i/n_rot)) must come out as the float
// rounding of the exact values, even at stream positions near 10^7 where an
// angle computed in f32 would be off by whole radians.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "backend/cpu/ops.hpp"

namespace sinkstream {
namespace {

TEST(RopeAnglesFreq, MatchesTheLongDoubleFormulaAtLargePositions) {
  constexpr int32_t kRot = 64, kHalf = kRot / 2;
  constexpr long double kTheta = 10000.0L;
  std::vector<double> freq(kHalf);
  for (int32_t i = 0; i < kHalf; ++i) {
    freq[static_cast<size_t>(i)] = static_cast<double>(std::pow(kTheta, -2.0L * i / kRot));
  }
  std::vector<float> c(kHalf), s(kHalf);
  for (const int64_t pos : {int64_t{0}, int64_t{1}, int64_t{4095}, int64_t{1000003}, int64_t{9999991}}) {
    backend::cpu::rope_angles_freq(pos, freq.data(), kHalf, c.data(), s.data());
    for (int32_t i = 0; i < kHalf; ++i) {
      const long double a = static_cast<long double>(pos) * std::pow(kTheta, -2.0L * i / kRot);
      // Float rounding of a value in [-1, 1] (6e-8) plus the double angle's error (pos * 1e-16).
      EXPECT_NEAR(c[static_cast<size_t>(i)], static_cast<double>(std::cos(a)), 1e-7) << "pos " << pos << ", pair " << i;
      EXPECT_NEAR(s[static_cast<size_t>(i)], static_cast<double>(std::sin(a)), 1e-7) << "pos " << pos << ", pair " << i;
    }
  }
}

}  // namespace
}  // namespace sinkstream
