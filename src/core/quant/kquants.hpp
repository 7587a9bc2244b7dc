// ggml's 256-element "K" super-block quants (layouts from the GGUF / ggml spec):
//
//   Q4_K (144 B): f16 d, f16 dmin, u8 scales[12], u8 qs[128]
//   Q5_K (176 B): f16 d, f16 dmin, u8 scales[12], u8 qh[32], u8 qs[128]
//     8 sub-blocks of 32; sub-block j has a 6-bit scale sc_j and 6-bit min m_j packed in
//     scales[12]: j < 4: sc_j = scales[j] & 63, m_j = scales[j+4] & 63;
//                 j >= 4: sc_j = (scales[j+4] & 15) | (scales[j-4] >> 6) << 4,
//                         m_j  = (scales[j+4] >> 4) | (scales[j]   >> 6) << 4.
//     Chunk c (0..3) of 64 elements uses qs[32c .. 32c+31]: low nibbles are elements
//     64c + l (sub-block 2c), high nibbles elements 64c + 32 + l (sub-block 2c+1).
//     Q5_K: the 5th bit of element 64c + l is bit 2c of qh[l], of 64c + 32 + l bit 2c+1.
//     x = d * sc_j * q - dmin * m_j.
//
//   Q6_K (210 B): u8 ql[128], u8 qh[64], i8 scales[16], f16 d
//     Two halves h of 128 elements use ql[64h..], qh[32h..]; for l in 0..31:
//       element 128h + l      = ql[64h+l] & 15      | (qh[32h+l] >> 0 & 3) << 4
//       element 128h + l + 32 = ql[64h+l+32] & 15   | (qh[32h+l] >> 2 & 3) << 4
//       element 128h + l + 64 = ql[64h+l] >> 4      | (qh[32h+l] >> 4 & 3) << 4
//       element 128h + l + 96 = ql[64h+l+32] >> 4   | (qh[32h+l] >> 6 & 3) << 4
//     element e (0..255) belongs to sub-block e / 16: x = d * scales[e / 16] * (q - 32).
//
// dequant_*: blk (one super-block) -> out[256]. quantize_*: x[256] -> blk.
#pragma once

#include <cstdint>

namespace sinkstream::core::quant {

inline constexpr int kQK_K = 256;

// The 6-bit scale sc[j] and min m[j] of all 8 sub-blocks from the packed
// scales[12] (the formulas above); shared by the dequantizer and the kernels.
inline void unpack_scales_mins(const uint8_t* s, int* sc, int* m) {
  for (int j = 0; j < 4; ++j) {
    sc[j] = s[j] & 63;
    m[j] = s[j + 4] & 63;
    sc[j + 4] = (s[j + 8] & 15) | ((s[j] >> 6) << 4);
    m[j + 4] = (s[j + 8] >> 4) | ((s[j + 4] >> 6) << 4);
  }
}

void dequant_q4_k(const uint8_t* blk, float* out);
void dequant_q5_k(const uint8_t* blk, float* out);
void dequant_q6_k(const uint8_t* blk, float* out);

void quantize_q4_k(const float* x, uint8_t* blk);
void quantize_q5_k(const float* x, uint8_t* blk);
void quantize_q6_k(const float* x, uint8_t* blk);

}  // namespace sinkstream::core::quant
