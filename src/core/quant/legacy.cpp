#include "core/quant/legacy.hpp"

#include <cmath>

#include "core/quant/block_io.hpp"

namespace sinkstream::core::quant {

namespace {

// Value of largest magnitude (sign kept) and the min / max of x[32].
float signed_absmax(const float* x) {
  float amax = 0.0f, vmax = 0.0f;
  for (int j = 0; j < kQK; ++j) {
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      vmax = x[j];
    }
  }
  return vmax;
}

void min_max(const float* x, float* lo, float* hi) {
  *lo = x[0];
  *hi = x[0];
  for (int j = 1; j < kQK; ++j) {
    *lo = std::fmin(*lo, x[j]);
    *hi = std::fmax(*hi, x[j]);
  }
}

// Symmetric b-bit quants: d = vmax / -(2^(b-1)), levels q - 2^(b-1) in [0, 2^b - 1].
// Returns the levels in q[32] after storing d at blk[0..1].
void quantize_symmetric(const float* x, uint8_t* blk, int bits, int* q) {
  const int half = 1 << (bits - 1), top = (1 << bits) - 1;
  const float d = store_f16(blk, signed_absmax(x) / static_cast<float>(-half));
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  for (int j = 0; j < kQK; ++j) q[j] = clamp_round(x[j] * id + static_cast<float>(half), 0, top);
}

// Asymmetric b-bit quants: m = min, d = (max - min) / (2^b - 1); d at blk[0..1], m at blk[2..3].
void quantize_affine(const float* x, uint8_t* blk, int bits, int* q) {
  const int top = (1 << bits) - 1;
  float lo = 0.0f, hi = 0.0f;
  min_max(x, &lo, &hi);
  const float d = store_f16(blk, (hi - lo) / static_cast<float>(top));
  const float m = store_f16(blk + 2, lo);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  for (int j = 0; j < kQK; ++j) q[j] = clamp_round((x[j] - m) * id, 0, top);
}

void pack_nibbles(const int* q, uint8_t* qs) {
  for (int j = 0; j < 16; ++j) qs[j] = static_cast<uint8_t>((q[j] & 15) | ((q[j + 16] & 15) << 4));
}

uint32_t pack_high_bits(const int* q) {
  uint32_t qh = 0;
  for (int j = 0; j < kQK; ++j) qh |= static_cast<uint32_t>((q[j] >> 4) & 1) << j;
  return qh;
}

}  // namespace

void dequant_q4_0(const uint8_t* blk, float* out) {
  const float d = load_f16(blk);
  const uint8_t* qs = blk + 2;
  for (int j = 0; j < 16; ++j) {
    out[j] = d * static_cast<float>((qs[j] & 15) - 8);
    out[j + 16] = d * static_cast<float>((qs[j] >> 4) - 8);
  }
}

void dequant_q4_1(const uint8_t* blk, float* out) {
  const float d = load_f16(blk), m = load_f16(blk + 2);
  const uint8_t* qs = blk + 4;
  for (int j = 0; j < 16; ++j) {
    out[j] = d * static_cast<float>(qs[j] & 15) + m;
    out[j + 16] = d * static_cast<float>(qs[j] >> 4) + m;
  }
}

void dequant_q5_0(const uint8_t* blk, float* out) {
  const float d = load_f16(blk);
  const uint32_t qh = load_u32(blk + 2);
  const uint8_t* qs = blk + 6;
  for (int j = 0; j < 16; ++j) {
    const int lo = (qs[j] & 15) | static_cast<int>(((qh >> j) & 1u) << 4);
    const int hi = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
    out[j] = d * static_cast<float>(lo - 16);
    out[j + 16] = d * static_cast<float>(hi - 16);
  }
}

void dequant_q5_1(const uint8_t* blk, float* out) {
  const float d = load_f16(blk), m = load_f16(blk + 2);
  const uint32_t qh = load_u32(blk + 4);
  const uint8_t* qs = blk + 8;
  for (int j = 0; j < 16; ++j) {
    const int lo = (qs[j] & 15) | static_cast<int>(((qh >> j) & 1u) << 4);
    const int hi = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
    out[j] = d * static_cast<float>(lo) + m;
    out[j + 16] = d * static_cast<float>(hi) + m;
  }
}

void dequant_q8_0(const uint8_t* blk, float* out) {
  const float d = load_f16(blk);
  for (int j = 0; j < kQK; ++j) out[j] = d * static_cast<float>(static_cast<int8_t>(blk[2 + j]));
}

void quantize_q4_0(const float* x, uint8_t* blk) {
  int q[kQK];  // levels 0..15
  quantize_symmetric(x, blk, 4, q);
  pack_nibbles(q, blk + 2);
}

void quantize_q4_1(const float* x, uint8_t* blk) {
  int q[kQK];  // levels 0..15
  quantize_affine(x, blk, 4, q);
  pack_nibbles(q, blk + 4);
}

void quantize_q5_0(const float* x, uint8_t* blk) {
  int q[kQK];  // levels 0..31
  quantize_symmetric(x, blk, 5, q);
  store_u32(blk + 2, pack_high_bits(q));
  pack_nibbles(q, blk + 6);
}

void quantize_q5_1(const float* x, uint8_t* blk) {
  int q[kQK];  // levels 0..31
  quantize_affine(x, blk, 5, q);
  store_u32(blk + 4, pack_high_bits(q));
  pack_nibbles(q, blk + 8);
}

void quantize_q8_0(const float* x, uint8_t* blk) {
  float amax = 0.0f;
  for (int j = 0; j < kQK; ++j) amax = std::fmax(amax, std::fabs(x[j]));
  const float d = store_f16(blk, amax / 127.0f);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  for (int j = 0; j < kQK; ++j) blk[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(clamp_round(x[j] * id, -127, 127)));
}

}  // namespace sinkstream::core::quant
