#include "core/quant/mxfp4.hpp"

#include <cmath>

namespace sinkstream::core::quant {

float mxfp4_half_scale(uint8_t e) { return std::ldexp(1.0f, static_cast<int>(e) - 128); }

void dequant_mxfp4(const uint8_t* blk, float* out) {
  const float d = mxfp4_half_scale(blk[0]);
  for (int j = 0; j < 16; ++j) {
    out[j] = d * static_cast<float>(kMxfp4Doubled[blk[1 + j] & 15]);
    out[j + 16] = d * static_cast<float>(kMxfp4Doubled[blk[1 + j] >> 4]);
  }
}

namespace {

// The code (0..15) of the E2M1 value nearest to v / 2^(e-127), i.e. of the doubled value nearest
// to 2v / 2^(e-127), computed in double (2^(128-e) overflows a float at e = 0); a tie goes to the even code (roundTiesToEven: the mantissa bit is the code's
// lowest bit). Magnitudes past 6 saturate.
uint8_t nearest_code(float v, int e) {
  const double a = std::ldexp(std::fabs(static_cast<double>(v)), 128 - e);  // |v| in units of 2^(e-128), exact
  uint8_t best = 0;
  double best_err = a;  // code 0
  for (uint8_t c = 1; c < 8; ++c) {
    const double err = std::fabs(a - static_cast<double>(kMxfp4Doubled[c]));
    if (err < best_err || (err == best_err && (c & 1) == 0)) best = c, best_err = err;
  }
  return (v < 0.0f && best != 0) ? static_cast<uint8_t>(best | 8) : best;
}

}  // namespace

void quantize_mxfp4(const float* x, uint8_t* blk) {
  float amax = 0.0f;
  bool finite = true;
  for (int j = 0; j < 32; ++j) {
    finite = finite && std::isfinite(x[j]);
    amax = std::fmax(amax, std::fabs(x[j]));
  }
  for (int j = 0; j < kMxfp4BlockBytes; ++j) blk[j] = 0;
  if (!finite || !(amax > 0.0f)) return;
  int e = static_cast<int>(std::floor(std::log2(amax))) - 2 + 127;
  e = e < 0 ? 0 : (e > 254 ? 254 : e);
  blk[0] = static_cast<uint8_t>(e);
  for (int j = 0; j < 16; ++j) {
    blk[1 + j] = static_cast<uint8_t>(nearest_code(x[j], e) | (nearest_code(x[j + 16], e) << 4));
  }
}

}  // namespace sinkstream::core::quant
