// ALiBi slopes and scaled RoPE frequency tables, against values worked out by
// hand from the MPT and Llama 3.1 definitions (the HF fixtures check them end to end).
#include <gtest/gtest.h>

#include <cmath>

#include "model/positions.hpp"

namespace sinkstream {
namespace {

TEST(Positions, AlibiSlopesPowerOfTwoHeads) {
  ModelConfig c;
  c.n_head = 8;
  c.alibi_max_bias = 8.0f;
  const auto s = model::alibi_slopes(c);
  ASSERT_EQ(s.size(), 8u);
  for (int h = 0; h < 8; ++h) EXPECT_FLOAT_EQ(s[static_cast<size_t>(h)], std::ldexp(1.0f, -(h + 1)));
}

TEST(Positions, AlibiSlopesSixHeadsTakeOddThenEven) {
  ModelConfig c;
  c.n_head = 6;
  c.alibi_max_bias = 8.0f;
  const auto s = model::alibi_slopes(c);
  // n2 = 8: 2^-1 .. 2^-8; odd indices (2^-2, 2^-4, 2^-6, 2^-8), then even (2^-1, 2^-3).
  const std::vector<float> want = {0.25f, 0.0625f, 0.015625f, 0.00390625f, 0.5f, 0.125f};
  EXPECT_EQ(s, want);
}

TEST(Positions, RopeFrequenciesUnscaledLinearLlama3) {
  ModelConfig c;
  c.n_rot = 16;
  c.rope_theta = 10000.0;
  const auto plain = model::rope_frequencies(c);
  ASSERT_EQ(plain.size(), 8u);
  EXPECT_DOUBLE_EQ(plain[0], 1.0);
  EXPECT_NEAR(plain[4], 0.01, 1e-15);  // 10000^(-8/16)

  c.rope_scaling.kind = RopeScalingKind::kLinear;
  c.rope_scaling.factor = 4.0;
  const auto lin = model::rope_frequencies(c);
  for (size_t i = 0; i < 8; ++i) EXPECT_DOUBLE_EQ(lin[i], plain[i] / 4.0);

  c.rope_scaling = {RopeScalingKind::kLlama3, 8.0, 1.0, 4.0, 64, {}, {}, {}, 1.0};
  const auto l3 = model::rope_frequencies(c);
  // wavelength 2*pi/f: i=0 -> 6.28 (< 64/4 = 16: kept); i=3 -> 198.7 (> 64: divided by 8);
  // i=1 -> 19.87 (between: smooth = (64/19.87 - 1) / 3).
  EXPECT_DOUBLE_EQ(l3[0], plain[0]);
  EXPECT_DOUBLE_EQ(l3[3], plain[3] / 8.0);
  const double wl = 2.0 * M_PI / plain[1];
  const double smooth = (64.0 / wl - 1.0) / 3.0;
  EXPECT_GT(smooth, 0.7);
  EXPECT_LT(smooth, 0.75);
  EXPECT_NEAR(l3[1], (1.0 - smooth) * plain[1] / 8.0 + smooth * plain[1], 1e-15);
}

}  // namespace
}  // namespace sinkstream
