// ggml's 32-element block quants (layouts from the GGUF / ggml spec; f16 = IEEE half, LE):
//
//   Q4_0 (18 B): f16 d, u8 qs[16]          x[j] = d * ((qs[j] & 15) - 8),  x[j+16] = d * ((qs[j] >> 4) - 8)
//   Q4_1 (20 B): f16 d, f16 m, u8 qs[16]   x[j] = d * (qs[j] & 15) + m,    x[j+16] = d * (qs[j] >> 4) + m
//   Q5_0 (22 B): f16 d, u32 qh, u8 qs[16]  5th bit of x[j] is bit j of qh, of x[j+16] bit j+16;
//                                          x = d * (q5 - 16)
//   Q5_1 (24 B): f16 d, f16 m, u32 qh, u8 qs[16]   x = d * q5 + m
//   Q8_0 (34 B): f16 d, i8 qs[32]          x[j] = d * qs[j]
//
// dequant_*: blk (one block) -> out[32]. quantize_*: x[32] -> blk (one block).
// Quantizers use the f16-rounded scale when choosing levels, so the round-off
// bound holds for the stored scale (see tests/unit/quant_test.cpp).
#pragma once

#include <cstdint>

namespace sinkstream::core::quant {

inline constexpr int kQK = 32;

void dequant_q4_0(const uint8_t* blk, float* out);
void dequant_q4_1(const uint8_t* blk, float* out);
void dequant_q5_0(const uint8_t* blk, float* out);
void dequant_q5_1(const uint8_t* blk, float* out);
void dequant_q8_0(const uint8_t* blk, float* out);

void quantize_q4_0(const float* x, uint8_t* blk);
void quantize_q4_1(const float* x, uint8_t* blk);
void quantize_q5_0(const float* x, uint8_t* blk);
void quantize_q5_1(const float* x, uint8_t* blk);
void quantize_q8_0(const float* x, uint8_t* blk);

}  // namespace sinkstream::core::quant
