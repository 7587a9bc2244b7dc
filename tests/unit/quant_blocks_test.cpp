// Hand-built blocks of every quant type, decoded through row_dequantize_ref and
// compared with values worked out by hand from the ggml block layouts.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/dtype.hpp"
#include "core/row_dot.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {
namespace {

// Growable block image; reserved up front (also keeps GCC 12's -Warray-bounds quiet).
std::vector<uint8_t> bytes(std::initializer_list<uint8_t> init) {
  std::vector<uint8_t> b;
  b.reserve(512);
  b.insert(b.end(), init.begin(), init.end());
  return b;
}

std::vector<float> decode(core::DType t, const std::vector<uint8_t>& blk, int64_t n) {
  EXPECT_EQ(blk.size(), core::dtype_row_bytes(t, n));
  std::vector<float> out(static_cast<size_t>(n));
  core::row_dequantize_ref(t, blk.data(), out.data(), n);
  return out;
}

TEST(QuantBlocks, PlainTypes) {
  // f32 1.5 = 0x3FC00000; f16 -0.5 = 0xB800; bf16 3.0 = 0x4040.
  EXPECT_EQ(decode(core::DType::kF32, {0x00, 0x00, 0xC0, 0x3F}, 1), std::vector<float>{1.5f});
  EXPECT_EQ(decode(core::DType::kF16, {0x00, 0xB8, 0x00, 0x3C}, 2), (std::vector<float>{-0.5f, 1.0f}));
  EXPECT_EQ(decode(core::DType::kBF16, {0x40, 0x40}, 1), std::vector<float>{3.0f});
}

TEST(QuantBlocks, Q4_0) {
  // d = 0.5 (f16 0x3800); qs[j] = j | (15 - j) << 4.
  std::vector<uint8_t> b = bytes({0x00, 0x38});
  for (int j = 0; j < 16; ++j) b.push_back(static_cast<uint8_t>(j | ((15 - j) << 4)));
  const auto y = decode(core::DType::kQ4_0, b, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 0.5f * static_cast<float>(j - 8)) << j;        // -4 .. 3.5
    EXPECT_EQ(y[j + 16], 0.5f * static_cast<float>(7 - j)) << j;   // 3.5 .. -4
  }
  EXPECT_EQ(y[0], -4.0f);
  EXPECT_EQ(y[16], 3.5f);
}

TEST(QuantBlocks, Q4_1) {
  // d = 0.25 (0x3400), m = -1 (0xBC00); qs[j] = j | j << 4.
  std::vector<uint8_t> b = bytes({0x00, 0x34, 0x00, 0xBC});
  for (int j = 0; j < 16; ++j) b.push_back(static_cast<uint8_t>(j | (j << 4)));
  const auto y = decode(core::DType::kQ4_1, b, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 0.25f * static_cast<float>(j) - 1.0f);
    EXPECT_EQ(y[j + 16], 0.25f * static_cast<float>(j) - 1.0f);
  }
  EXPECT_EQ(y[15], 2.75f);
}

TEST(QuantBlocks, Q5_0) {
  // d = 2 (0x4000); qh = 0x80000001 (LE): 5th bit set for elements 0 and 31;
  // qs[j] = 0x21: low nibble 1 (elements 0..15), high nibble 2 (elements 16..31).
  std::vector<uint8_t> b = bytes({0x00, 0x40, 0x01, 0x00, 0x00, 0x80});
  for (int j = 0; j < 16; ++j) b.push_back(0x21);
  const auto y = decode(core::DType::kQ5_0, b, 32);
  EXPECT_EQ(y[0], 2.0f);  // 2 * (17 - 16)
  for (int j = 1; j < 16; ++j) EXPECT_EQ(y[j], -30.0f) << j;  // 2 * (1 - 16)
  for (int j = 16; j < 31; ++j) EXPECT_EQ(y[j], -28.0f) << j;  // 2 * (2 - 16)
  EXPECT_EQ(y[31], 4.0f);  // 2 * (18 - 16)
}

TEST(QuantBlocks, Q5_1) {
  // d = 0.5 (0x3800), m = 1 (0x3C00); qh = 0x00010002: 5th bit for elements 1 and 16; qs = 0.
  std::vector<uint8_t> b = bytes({0x00, 0x38, 0x00, 0x3C, 0x02, 0x00, 0x01, 0x00});
  for (int j = 0; j < 16; ++j) b.push_back(0x00);
  const auto y = decode(core::DType::kQ5_1, b, 32);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], (j == 1 || j == 16) ? 9.0f : 1.0f) << j;  // 0.5 * 16 + 1
}

TEST(QuantBlocks, Q8_0) {
  // d = 0.125 (0x3000); qs[j] = j - 16 as int8, except qs[0] = -128 (0x80) and qs[31] = 127.
  std::vector<uint8_t> b = bytes({0x00, 0x30});
  for (int j = 0; j < 32; ++j) b.push_back(static_cast<uint8_t>(static_cast<int8_t>(j - 16)));
  b[2] = 0x80;
  b[2 + 31] = 0x7F;
  const auto y = decode(core::DType::kQ8_0, b, 32);
  EXPECT_EQ(y[0], -16.0f);
  for (int j = 1; j < 31; ++j) EXPECT_EQ(y[j], 0.125f * static_cast<float>(j - 16)) << j;
  EXPECT_EQ(y[31], 15.875f);
}

// K-quant scales used below: sub-block scales sc = {1,2,3,4,5,50,7,8}, mins m = {0,1,2,3,4,5,37,6},
// packed by hand into the 12 bytes: [0..3] = sc[0..3] | (sc[4..7] >> 4) << 6,
// [4..7] = m[0..3] | (m[4..7] >> 4) << 6, [8..11] = (sc[4..7] & 15) | (m[4..7] & 15) << 4.
//   sc[5] = 50 = 0b11'0010 -> byte 1 = 2 | 3 << 6 = 0xC2, byte 9 low nibble 2
//   m[6]  = 37 = 0b10'0101 -> byte 6 = 2 | 2 << 6 = 0x82, byte 10 high nibble 5
const uint8_t kKScales[12] = {0x01, 0xC2, 0x03, 0x04, 0x00, 0x01, 0x82, 0x03, 0x45, 0x52, 0x57, 0x68};

TEST(QuantBlocks, Q4_K) {
  // d = 1 (0x3C00), dmin = 0.5 (0x3800), every qs byte 0x97 (low nibble 7, high nibble 9).
  // Sub-block j is even -> low nibbles (q = 7), odd -> high nibbles (q = 9); x = sc*q - 0.5*m.
  std::vector<uint8_t> b = bytes({0x00, 0x3C, 0x00, 0x38});
  b.insert(b.end(), kKScales, kKScales + 12);
  b.insert(b.end(), 128, 0x97);
  const float expect[8] = {7.0f, 17.5f, 20.0f, 34.5f, 33.0f, 447.5f, 30.5f, 69.0f};
  const auto y = decode(core::DType::kQ4_K, b, 256);
  for (int e = 0; e < 256; ++e) EXPECT_EQ(y[e], expect[e / 32]) << e;
}

TEST(QuantBlocks, Q5_K) {
  // As Q4_K, plus qh[l] = 0xA5 for even l, 0 for odd l: bit j of qh[l] is the 5th bit of
  // element l of sub-block j. 0xA5 sets bits 0, 2, 5, 7.
  std::vector<uint8_t> b = bytes({0x00, 0x3C, 0x00, 0x38});
  b.insert(b.end(), kKScales, kKScales + 12);
  for (int l = 0; l < 32; ++l) b.push_back(l % 2 == 0 ? 0xA5 : 0x00);
  b.insert(b.end(), 128, 0x97);
  const float plain[8] = {7.0f, 17.5f, 20.0f, 34.5f, 33.0f, 447.5f, 30.5f, 69.0f};
  // With the 5th bit: sc*(q+16) - 0.5*m for sub-blocks 0, 2, 5, 7.
  const float high[8] = {23.0f, 17.5f, 68.0f, 34.5f, 33.0f, 1247.5f, 30.5f, 197.0f};
  const auto y = decode(core::DType::kQ5_K, b, 256);
  for (int e = 0; e < 256; ++e) {
    const float want = e % 2 == 0 ? high[e / 32] : plain[e / 32];
    EXPECT_EQ(y[e], want) << e;
  }
}

TEST(QuantBlocks, Q6_K) {
  // ql[i] = 0x5A (low 10, high 5) for i % 64 < 32, else 0x3C (low 12, high 3);
  // qh[i] = 0xE4: bit pairs 0,1,2,3 for groups g = 0..3 (elements 32g + l of each half).
  // g0: 10 | 0 << 4 = 10 -> -22; g1: 12 | 1 << 4 = 28 -> -4; g2: 5 | 2 << 4 = 37 -> 5;
  // g3: 3 | 3 << 4 = 51 -> 19. scales[k] = k - 8, d = 0.5 (0x3800) at the end.
  std::vector<uint8_t> b = bytes({});
  for (int i = 0; i < 128; ++i) b.push_back(i % 64 < 32 ? 0x5A : 0x3C);
  b.insert(b.end(), 64, 0xE4);
  for (int k = 0; k < 16; ++k) b.push_back(static_cast<uint8_t>(static_cast<int8_t>(k - 8)));
  b.push_back(0x00);
  b.push_back(0x38);
  const float qv[4] = {-22.0f, -4.0f, 5.0f, 19.0f};
  const auto y = decode(core::DType::kQ6_K, b, 256);
  for (int e = 0; e < 256; ++e) {
    EXPECT_EQ(y[e], 0.5f * static_cast<float>(e / 16 - 8) * qv[(e % 128) / 32]) << e;
  }
  EXPECT_EQ(y[0], 0.5f * -8.0f * -22.0f);  // 88
  EXPECT_EQ(y[255], 0.5f * 7.0f * 19.0f);  // 66.5
}

TEST(QuantBlocks, MultiBlockRowsAndBadLengths) {
  // Two Q8_0 blocks: d = 1 and d = 2, all qs = 1.
  std::vector<uint8_t> b = bytes({0x00, 0x3C});
  b.insert(b.end(), 32, 1);
  b.push_back(0x00);
  b.push_back(0x40);
  b.insert(b.end(), 32, 1);
  const auto y = decode(core::DType::kQ8_0, b, 64);
  EXPECT_EQ(y[31], 1.0f);
  EXPECT_EQ(y[32], 2.0f);
  float out[40];
  EXPECT_THROW(core::row_dequantize_ref(core::DType::kQ8_0, b.data(), out, 40), Error);
  const float x[40] = {};
  EXPECT_THROW(core::row_dot_ref(core::DType::kQ4_K, b.data(), x, 40), Error);
}

}  // namespace
}  // namespace sinkstream
