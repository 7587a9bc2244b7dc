// MXFP4 (OCP Microscaling Formats v1.0, "MXFP4"; GGUF / ggml type 39 with
// ggml's block layout), 17 bytes per block of 32 values:
//
//   u8 e          shared E8M0 scale: 2^(e - 127) (e = 255 is NaN in the spec; decoded as 2^128 here,
//                 never written)
//   u8 qs[16]     E2M1 codes, x[j] in the low nibble of qs[j], x[j + 16] in the high nibble
//
// An E2M1 code is s:1 e:2 m:1 (exponent bias 1, no inf/NaN): codes 0..7 are
// 0, 0.5, 1, 1.5, 2, 3, 4, 6 and codes 8..15 their negatives, so
//   x[j] = kMxfp4Doubled[code] * 2^(e - 128)
// with the doubled values below (integers, as ggml keeps them for the integer
// dot products).
//
// Quantizer (as ggml's reference and the OCP spec's conversion): e = floor(log2(amax)) - 2 + 127
// (the largest E2M1 magnitude 6 = 1.5 * 2^2, so amax lands in [4, 8) * 2^(e-127) and values above
// 6 * 2^(e-127) saturate to +-6), clamped to [0, 254]; each value goes to the nearest code, a tie
// to the even code (roundTiesToEven); an all-zero (or non-finite) block stores e = 0 and zeros.
// (ggml's quantizer breaks ties towards the smaller magnitude instead; both decode identically.)
#pragma once

#include <cstdint>

namespace sinkstream::core::quant {

inline constexpr int kMxfp4BlockBytes = 17;
inline constexpr int8_t kMxfp4Doubled[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

// 2^(e - 128): the factor of the doubled integer values.
float mxfp4_half_scale(uint8_t e);

void dequant_mxfp4(const uint8_t* blk, float* out);
void quantize_mxfp4(const float* x, uint8_t* blk);

}  // namespace sinkstream::core::quant
