#include "core/quant/kquants.hpp"

#include <algorithm>
#include <cmath>

#include "core/quant/block_io.hpp"

namespace sinkstream::core::quant {

namespace {

// Inverse of unpack_scales_mins: sc[8], m[8] (each 0..63) -> s[12].
void pack_scale_min(const int* sc, const int* m, uint8_t* s) {
  for (int i = 0; i < 4; ++i) {
    s[i] = static_cast<uint8_t>((sc[i] & 63) | ((sc[i + 4] >> 4) << 6));
    s[i + 4] = static_cast<uint8_t>((m[i] & 63) | ((m[i + 4] >> 4) << 6));
    s[i + 8] = static_cast<uint8_t>((sc[i + 4] & 15) | ((m[i + 4] & 15) << 4));
  }
}

// Shared Q4_K / Q5_K dequantizer. qh == nullptr for Q4_K.
void dequant_k_affine(const uint8_t* blk, const uint8_t* qh, const uint8_t* qs, float* out) {
  const float d = load_f16(blk), dmin = load_f16(blk + 2);
  int sc[8], m[8];
  unpack_scales_mins(blk + 4, sc, m);
  for (int c = 0; c < 4; ++c) {
    const int sc0 = sc[2 * c], m0 = m[2 * c], sc1 = sc[2 * c + 1], m1 = m[2 * c + 1];
    const float d0 = d * static_cast<float>(sc0), off0 = dmin * static_cast<float>(m0);
    const float d1 = d * static_cast<float>(sc1), off1 = dmin * static_cast<float>(m1);
    for (int l = 0; l < 32; ++l) {
      int q0 = qs[32 * c + l] & 15, q1 = qs[32 * c + l] >> 4;
      if (qh != nullptr) {
        q0 |= ((qh[l] >> (2 * c)) & 1) << 4;
        q1 |= ((qh[l] >> (2 * c + 1)) & 1) << 4;
      }
      out[64 * c + l] = d0 * static_cast<float>(q0) - off0;
      out[64 * c + 32 + l] = d1 * static_cast<float>(q1) - off1;
    }
  }
}

// Shared Q4_K / Q5_K quantizer: levels 0..nmax (15 or 31), written to q[256].
// Scales and mins are rounded up (f16 super-scales and 6-bit sub-scales), so the
// levels of every sub-block cover its data and the round-off is at most half a step.
void quantize_k_affine(const float* x, uint8_t* blk, int nmax, int* q) {
  float lo[8], hi[8];  // per sub-block: min(0, min x), max x
  float max_min = 0.0f;
  for (int j = 0; j < 8; ++j) {
    lo[j] = 0.0f;
    hi[j] = x[32 * j];
    for (int l = 0; l < 32; ++l) {
      lo[j] = std::fmin(lo[j], x[32 * j + l]);
      hi[j] = std::fmax(hi[j], x[32 * j + l]);
    }
    max_min = std::fmax(max_min, -lo[j]);
  }
  const uint16_t dmin_h = f16_round_up(max_min / 63.0f);
  const float dmin = store_f16(blk + 2, f16_to_f32(dmin_h));
  int lm[8], ls[8];
  float off[8], need[8], max_need = 0.0f;
  for (int j = 0; j < 8; ++j) {
    lm[j] = dmin > 0.0f ? clamp_ceil(-lo[j] / dmin, 0, 63) : 0;
    off[j] = dmin * static_cast<float>(lm[j]);
    need[j] = std::fmax(0.0f, (hi[j] + off[j]) / static_cast<float>(nmax));
    max_need = std::fmax(max_need, need[j]);
  }
  const float d = store_f16(blk, f16_to_f32(f16_round_up(max_need / 63.0f)));
  for (int j = 0; j < 8; ++j) {
    ls[j] = d > 0.0f ? clamp_ceil(need[j] / d, 0, 63) : 0;
    const float step = d * static_cast<float>(ls[j]);
    const float inv = step > 0.0f ? 1.0f / step : 0.0f;
    for (int l = 0; l < 32; ++l) q[32 * j + l] = clamp_round((x[32 * j + l] + off[j]) * inv, 0, nmax);
  }
  pack_scale_min(ls, lm, blk + 4);
}

}  // namespace

void dequant_q4_k(const uint8_t* blk, float* out) { dequant_k_affine(blk, nullptr, blk + 16, out); }

void dequant_q5_k(const uint8_t* blk, float* out) { dequant_k_affine(blk, blk + 16, blk + 48, out); }

void dequant_q6_k(const uint8_t* blk, float* out) {
  const uint8_t* ql = blk;
  const uint8_t* qh = blk + 128;
  const auto* sc = reinterpret_cast<const int8_t*>(blk + 192);
  const float d = load_f16(blk + 208);
  for (int h = 0; h < 2; ++h) {
    for (int l = 0; l < 32; ++l) {
      const int a = ql[64 * h + l], b = ql[64 * h + l + 32], hb = qh[32 * h + l];
      const int q[4] = {(a & 15) | ((hb & 3) << 4), (b & 15) | (((hb >> 2) & 3) << 4),
                        (a >> 4) | (((hb >> 4) & 3) << 4), (b >> 4) | (((hb >> 6) & 3) << 4)};
      for (int g = 0; g < 4; ++g) {
        const int e = 128 * h + 32 * g + l;
        out[e] = d * static_cast<float>(sc[e / 16]) * static_cast<float>(q[g] - 32);
      }
    }
  }
}

void quantize_q4_k(const float* x, uint8_t* blk) {
  int q[kQK_K];  // levels 0..15
  quantize_k_affine(x, blk, 15, q);
  for (int c = 0; c < 4; ++c) {
    for (int l = 0; l < 32; ++l) {
      blk[16 + 32 * c + l] = static_cast<uint8_t>(q[64 * c + l] | (q[64 * c + 32 + l] << 4));
    }
  }
}

void quantize_q5_k(const float* x, uint8_t* blk) {
  int q[kQK_K];  // levels 0..31
  quantize_k_affine(x, blk, 31, q);
  uint8_t* qh = blk + 16;
  uint8_t* qs = blk + 48;
  std::fill(qh, qh + 32, uint8_t{0});
  for (int c = 0; c < 4; ++c) {
    for (int l = 0; l < 32; ++l) {
      const int q0 = q[64 * c + l], q1 = q[64 * c + 32 + l];
      qs[32 * c + l] = static_cast<uint8_t>((q0 & 15) | ((q1 & 15) << 4));
      qh[l] = static_cast<uint8_t>(qh[l] | (((q0 >> 4) & 1) << (2 * c)) | (((q1 >> 4) & 1) << (2 * c + 1)));
    }
  }
}

void quantize_q6_k(const float* x, uint8_t* blk) {
  // Symmetric: 16 sub-blocks of 16, level range -31..31 (so no clamping at -32),
  // int8 sub-scales rounded up against an f16 super-scale rounded up.
  float need[16], max_need = 0.0f;
  for (int k = 0; k < 16; ++k) {
    float amax = 0.0f;
    for (int l = 0; l < 16; ++l) amax = std::fmax(amax, std::fabs(x[16 * k + l]));
    need[k] = amax / 31.0f;
    max_need = std::fmax(max_need, need[k]);
  }
  const float d = store_f16(blk + 208, f16_to_f32(f16_round_up(max_need / 127.0f)));
  int q[kQK_K];  // stored levels 0..63 (value q - 32)
  for (int k = 0; k < 16; ++k) {
    const int ls = d > 0.0f ? clamp_ceil(need[k] / d, 0, 127) : 0;
    blk[192 + k] = static_cast<uint8_t>(static_cast<int8_t>(ls));
    const float step = d * static_cast<float>(ls);
    const float inv = step > 0.0f ? 1.0f / step : 0.0f;
    for (int l = 0; l < 16; ++l) q[16 * k + l] = clamp_round(x[16 * k + l] * inv, -32, 31) + 32;
  }
  uint8_t* ql = blk;
  uint8_t* qh = blk + 128;
  for (int h = 0; h < 2; ++h) {
    for (int l = 0; l < 32; ++l) {
      const int* g = q + 128 * h + l;  // g[0], g[32], g[64], g[96]
      ql[64 * h + l] = static_cast<uint8_t>((g[0] & 15) | ((g[64] & 15) << 4));
      ql[64 * h + l + 32] = static_cast<uint8_t>((g[32] & 15) | ((g[96] & 15) << 4));
      qh[32 * h + l] = static_cast<uint8_t>((g[0] >> 4) | ((g[32] >> 4) << 2) | ((g[64] >> 4) << 4) | ((g[96] >> 4) << 6));
    }
  }
}

}  // namespace sinkstream::core::quant
