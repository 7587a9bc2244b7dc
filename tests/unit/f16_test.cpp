// f16 / bf16 conversions against bit patterns from the IEEE 754 binary16 and
// bfloat16 definitions (values worked out by hand).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/f16.hpp"

namespace sinkstream {
namespace {

TEST(F16, DecodesKnownPatterns) {
  EXPECT_EQ(core::f16_to_f32(0x3C00), 1.0f);
  EXPECT_EQ(core::f16_to_f32(0xC000), -2.0f);
  EXPECT_EQ(core::f16_to_f32(0x3800), 0.5f);
  EXPECT_EQ(core::f16_to_f32(0x3555), 0.333251953125f);  // 1.0101010101b * 2^-2
  EXPECT_EQ(core::f16_to_f32(0x7BFF), 65504.0f);          // largest finite
  EXPECT_EQ(core::f16_to_f32(0x0400), std::ldexp(1.0f, -14));   // smallest normal
  EXPECT_EQ(core::f16_to_f32(0x0001), std::ldexp(1.0f, -24));   // smallest subnormal
  EXPECT_EQ(core::f16_to_f32(0x03FF), std::ldexp(1023.0f, -24));  // largest subnormal
  EXPECT_EQ(core::f16_to_f32(0x8001), -std::ldexp(1.0f, -24));
  EXPECT_EQ(core::f16_to_f32(0x0000), 0.0f);
  EXPECT_TRUE(std::signbit(core::f16_to_f32(0x8000)));
  EXPECT_EQ(core::f16_to_f32(0x7C00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(core::f16_to_f32(0xFC00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(core::f16_to_f32(0x7E00)));
  EXPECT_TRUE(std::isnan(core::f16_to_f32(0x7C01)));  // signalling pattern is still a NaN
  EXPECT_TRUE(std::isnan(core::f16_to_f32(0xFFFF)));
}

TEST(F16, EncodesWithRoundToNearestEven) {
  EXPECT_EQ(core::f32_to_f16(1.0f), 0x3C00);
  EXPECT_EQ(core::f32_to_f16(-2.0f), 0xC000);
  EXPECT_EQ(core::f32_to_f16(65504.0f), 0x7BFF);
  EXPECT_EQ(core::f32_to_f16(65519.0f), 0x7BFF);  // below the midpoint 65520
  EXPECT_EQ(core::f32_to_f16(65520.0f), 0x7C00);  // midpoint, ties to even = inf
  EXPECT_EQ(core::f32_to_f16(1e10f), 0x7C00);
  EXPECT_EQ(core::f32_to_f16(-1e10f), 0xFC00);
  EXPECT_EQ(core::f32_to_f16(std::numeric_limits<float>::infinity()), 0x7C00);
  EXPECT_EQ(core::f32_to_f16(-std::numeric_limits<float>::infinity()), 0xFC00);
  const uint16_t nan = core::f32_to_f16(std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(nan & 0x7C00, 0x7C00);
  EXPECT_NE(nan & 0x03FF, 0);
  EXPECT_EQ(core::f32_to_f16(0.0f), 0x0000);
  EXPECT_EQ(core::f32_to_f16(-0.0f), 0x8000);
  // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to the even mantissa (0).
  EXPECT_EQ(core::f32_to_f16(1.0f + std::ldexp(1.0f, -11)), 0x3C00);
  // 1 + 3 * 2^-11 is halfway between mantissas 1 and 2: ties to 2.
  EXPECT_EQ(core::f32_to_f16(1.0f + 3.0f * std::ldexp(1.0f, -11)), 0x3C02);
  EXPECT_EQ(core::f32_to_f16(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)), 0x3C01);  // above the tie
  // Subnormals.
  EXPECT_EQ(core::f32_to_f16(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(core::f32_to_f16(std::ldexp(1.0f, -25)), 0x0000);           // tie between 0 and 1 -> 0
  EXPECT_EQ(core::f32_to_f16(std::ldexp(1.0001f, -25)), 0x0001);        // just above the tie
  EXPECT_EQ(core::f32_to_f16(std::ldexp(3.0f, -25)), 0x0002);           // tie between 1 and 2 -> 2
  EXPECT_EQ(core::f32_to_f16(std::ldexp(1.0f, -26)), 0x0000);
  EXPECT_EQ(core::f32_to_f16(std::ldexp(1023.0f, -24)), 0x03FF);
  EXPECT_EQ(core::f32_to_f16(std::ldexp(1023.75f, -24)), 0x0400);       // rounds up into the normals
  EXPECT_EQ(core::f32_to_f16(std::ldexp(1.0f, -14)), 0x0400);
  EXPECT_EQ(core::f32_to_f16(-std::ldexp(5.0f, -24)), 0x8005);
  EXPECT_EQ(core::f32_to_f16(std::numeric_limits<float>::denorm_min()), 0x0000);
}

TEST(F16, EveryFiniteHalfRoundTrips) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = core::f16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(core::f16_to_f32(core::f32_to_f16(f)))) << h;
    } else {
      EXPECT_EQ(core::f32_to_f16(f), h) << h;
    }
  }
}

TEST(BF16, KnownPatterns) {
  EXPECT_EQ(core::bf16_to_f32(0x3F80), 1.0f);
  EXPECT_EQ(core::bf16_to_f32(0xC020), -2.5f);
  EXPECT_EQ(core::bf16_to_f32(0x7F80), std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(core::bf16_to_f32(0x7FC0)));
  EXPECT_EQ(core::f32_to_bf16(1.0f), 0x3F80);
  EXPECT_EQ(core::f32_to_bf16(-2.5f), 0xC020);
  EXPECT_EQ(core::f32_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3F80);         // tie -> even
  EXPECT_EQ(core::f32_to_bf16(1.0f + 3.0f * std::ldexp(1.0f, -8)), 0x3F82);  // tie -> even
  EXPECT_EQ(core::f32_to_bf16(1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -20)), 0x3F81);
  EXPECT_EQ(core::f32_to_bf16(std::numeric_limits<float>::infinity()), 0x7F80);
  EXPECT_EQ(core::f32_to_bf16(std::numeric_limits<float>::max()), 0x7F80);  // rounds up to inf
  const uint16_t nan = core::f32_to_bf16(std::numeric_limits<float>::quiet_NaN());
  EXPECT_TRUE(std::isnan(core::bf16_to_f32(nan)));
  // A NaN whose payload lives only in the low 16 bits must stay a NaN.
  EXPECT_TRUE(std::isnan(core::bf16_to_f32(core::f32_to_bf16(std::bit_cast<float>(0x7F800001u)))));
}

}  // namespace
}  // namespace sinkstream
