// Little-endian field access inside quant blocks. Blocks live at arbitrary byte
// offsets (an 18-byte Q4_0 block is only 2-byte aligned), so fields are read
// byte by byte, never through struct casts.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/f16.hpp"

namespace sinkstream::core::quant {

inline float load_f16(const uint8_t* p) { return f16_to_f32(static_cast<uint16_t>(p[0] | (p[1] << 8))); }

// Stores f32_to_f16(v) and returns the value the block will decode to.
inline float store_f16(uint8_t* p, float v) {
  const uint16_t h = f32_to_f16(v);
  p[0] = static_cast<uint8_t>(h & 0xFF);
  p[1] = static_cast<uint8_t>(h >> 8);
  return f16_to_f32(h);
}

inline uint32_t load_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

inline void store_u32(uint8_t* p, uint32_t v) {
  for (int k = 0; k < 4; ++k) p[k] = static_cast<uint8_t>(v >> (8 * k));
}

// Smallest f16 value >= v, for v >= 0 finite (scales rounded up so the levels
// they define always cover the data). Returns the decoded value via *out.
inline uint16_t f16_round_up(float v) {
  uint16_t h = f32_to_f16(v);
  if (f16_to_f32(h) < v && h < 0x7BFF) ++h;
  return h;
}

// round(v) clamped to [lo, hi]; NaN maps to lo (no float->int UB on any input).
inline int clamp_round(float v, int lo, int hi) {
  if (!(v >= static_cast<float>(lo))) return lo;
  if (!(v <= static_cast<float>(hi))) return hi;
  return static_cast<int>(std::nearbyint(v));
}

// ceil(v) clamped to [lo, hi]; NaN maps to lo.
inline int clamp_ceil(float v, int lo, int hi) {
  if (!(v >= static_cast<float>(lo))) return lo;
  if (!(v <= static_cast<float>(hi))) return hi;
  return static_cast<int>(std::ceil(v));
}

}  // namespace sinkstream::core::quant
