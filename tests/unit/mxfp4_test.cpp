// MXFP4 against tests/support/mxfp4_oracle.py, a numpy transcription of the OCP
// MX spec run by /usr/bin/python3: the quantizer's bytes and the decoder's values
// must equal the oracle's exactly (ties, saturation, tiny and huge scales, zeros).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/quant/mxfp4.hpp"
#include "core/quantize.hpp"
#include "core/row_dot.hpp"
#include "support/paths.hpp"

namespace sinkstream {
namespace {

std::string bytes_of(const void* p, size_t n) { return std::string(static_cast<const char*>(p), n); }

// Runs the oracle in `mode` on `in`; returns its output file's bytes.
std::string oracle(const std::string& mode, const std::string& in) {
  test::TempDir dir;
  test::write_file(dir.file("in"), in);
  const test::CommandResult r = test::run_command("/usr/bin/python3 " + test::source_dir() +
                                                  "/tests/support/mxfp4_oracle.py " + mode + " " + dir.file("in") +
                                                  " " + dir.file("out"));
  if (r.status != 0) {
    ADD_FAILURE() << "the numpy MXFP4 oracle did not run (python3-numpy is required): " << r.err;
    return {};
  }
  return test::read_file(dir.file("out"));
}

// Blocks of 32 values: Gaussian at scales 2^-130 .. 2^100, exact ties between E2M1 levels,
// values past the largest level, zeros and a single nonzero value.
std::vector<float> test_values() {
  std::mt19937 rng(17);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> x;
  for (int s = -130; s <= 100; s += 10) {
    for (int j = 0; j < 32; ++j) x.push_back(std::ldexp(g(rng), s));
  }
  for (int b = 0; b < 40; ++b) {
    for (int j = 0; j < 32; ++j) x.push_back(g(rng) * static_cast<float>(1 + b % 7));
  }
  // Ties: amax 6 (scale 1): midpoints of every adjacent pair of levels, both signs.
  const float mids[] = {0.25f, 0.75f, 1.25f, 1.75f, 2.5f, 3.5f, 5.0f, 6.0f};
  for (int j = 0; j < 32; ++j) x.push_back((j % 2 ? -1.0f : 1.0f) * mids[j % 8]);
  // Saturation: amax 7.9 keeps the scale of 4 (floor(log2 7.9) = 2), 7.9 / 1 -> 6.
  for (int j = 0; j < 32; ++j) x.push_back(j == 5 ? 7.9f : 0.1f * static_cast<float>(j));
  for (int j = 0; j < 32; ++j) x.push_back(0.0f);
  for (int j = 0; j < 32; ++j) x.push_back(j == 31 ? -3.0e-3f : 0.0f);
  return x;
}

TEST(Mxfp4, QuantizerBytesEqualTheSpecOracle) {
  const std::vector<float> x = test_values();
  const auto n = static_cast<int64_t>(x.size());
  std::vector<uint8_t> ours(core::dtype_row_bytes(core::DType::kMXFP4, n));
  core::quantize_row_ref(core::DType::kMXFP4, x.data(), ours.data(), n);
  const std::string want = oracle("quantize", bytes_of(x.data(), x.size() * sizeof(float)));
  ASSERT_EQ(want.size(), ours.size());
  for (size_t b = 0; b < ours.size() / 17; ++b) {
    EXPECT_EQ(bytes_of(ours.data() + 17 * b, 17), want.substr(17 * b, 17)) << "block " << b;
  }
}

TEST(Mxfp4, DecoderEqualsTheSpecOracleOnEveryCodeAndScale) {
  // Every scale byte but NaN's 255, every code in both nibbles.
  std::vector<uint8_t> blocks;
  std::mt19937 rng(5);
  for (int e = 0; e < 255; ++e) {
    blocks.push_back(static_cast<uint8_t>(e));
    for (int j = 0; j < 16; ++j) blocks.push_back(static_cast<uint8_t>(j | ((15 - j + e) & 15) << 4));
  }
  const auto n = static_cast<int64_t>(blocks.size() / 17 * 32);
  std::vector<float> ours(static_cast<size_t>(n));
  core::row_dequantize_ref(core::DType::kMXFP4, blocks.data(), ours.data(), n);
  const std::string want = oracle("decode", bytes_of(blocks.data(), blocks.size()));
  ASSERT_EQ(want.size(), ours.size() * sizeof(float));
  std::vector<float> w(ours.size());
  std::memcpy(w.data(), want.data(), want.size());
  for (size_t i = 0; i < w.size(); ++i) EXPECT_EQ(ours[i], w[i]) << "value " << i << " (block " << i / 32 << ")";
}

TEST(Mxfp4, DoubledTableIsTheE2M1Grid) {
  // The integer table the kernels use: code c decodes to kMxfp4Doubled[c] / 2 at scale byte 127.
  uint8_t blk[17] = {127};
  for (int j = 0; j < 16; ++j) blk[1 + j] = static_cast<uint8_t>(j | (j << 4));
  float y[32];
  core::quant::dequant_mxfp4(blk, y);
  const float grid[16] = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6, 0, -0.5f, -1, -1.5f, -2, -3, -4, -6};
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], grid[j]);
    EXPECT_EQ(y[j + 16], grid[j]);
  }
}

}  // namespace
}  // namespace sinkstream
