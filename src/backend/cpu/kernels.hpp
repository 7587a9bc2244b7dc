// SIMD kernels with runtime dispatch (Highway). One immutable table of function
// pointers per compiled target (emu128, avx2, avx512, avx512vnni); the best one
// the CPU supports is chosen once at first use, or the one named by the
// environment variable SINKSTREAM_SIMD:
//
//   SINKSTREAM_SIMD=ref        scalar reference loops (row_dot_ref, attention_head)
//   SINKSTREAM_SIMD=scalar     Highway's EMU128 target (portable, no intrinsics)
//   SINKSTREAM_SIMD=avx2       AVX2 + FMA + F16C
//   SINKSTREAM_SIMD=avx512     AVX-512 F/BW/DQ/VL
//   SINKSTREAM_SIMD=avx512vnni AVX-512 + VNNI/VBMI2 (Highway's AVX3_DL)
//
// An unknown or unsupported name falls back to the best target (with a note on
// stderr). Every kernel is tested against the scalar reference on each target
// that the machine can run (tests/ops/kernels_test.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backend/cpu/act_quant.hpp"
#include "core/dtype.hpp"

namespace sinkstream::backend::cpu {

// A weight matrix as the kernels see it: rows of row_bytes bytes, cols elements each.
struct WeightRows {
  core::DType type;
  const uint8_t* data;
  size_t row_bytes;
  int64_t cols;
};

struct Panels;  // panels.hpp: Q8_0 / Q4_0 / K-quant / F16 / BF16 rows repacked 16 at a time

struct Kernels {
  const char* name = "ref";  // "ref", "scalar", "avx2", "avx512", "avx512vnni"
  int64_t target = 0;        // Highway target bit (0 for ref)
  // Plain weights (F32, F16, BF16) against f32 activations X[T][cols]:
  // Y[t * ldy + r] = dot(W row r, X[t]) for t in [0, T), r in [r0, r1).
  void (*rows_plain)(const WeightRows& w, const float* X, int64_t T, int64_t r0, int64_t r1, float* Y,
                     int64_t ldy) = nullptr;
  // Block-quantized weights (Q8_0, Q4_0, Q4_K, Q5_K, Q6_K, MXFP4) against Q8 activations (act_quant.hpp).
  void (*rows_q)(const WeightRows& w, const QActs& X, int64_t T, int64_t r0, int64_t r1, float* Y,
                 int64_t ldy) = nullptr;
  // The same for weights repacked into row panels (panels.hpp), on the
  // targets that have a panel kernel (null elsewhere); rows [r0, r1) as above.
  void (*rows_panels)(const Panels& w, const QActs& X, int64_t T, int64_t r0, int64_t r1, float* Y,
                      int64_t ldy) = nullptr;
  // F16 / BF16 weights repacked into row panels (panels.hpp) against f32
  // activations X[T][cols] given in token tiles of plain_tile tokens
  // (pack_token_tiles, panels.hpp): one FMA chain per output, in column
  // order (plain_panels-inl.h); rows [r0, r1). Every Highway target has it.
  void (*rows_plain_panels)(const Panels& w, const float* Xt, int64_t T, int64_t r0, int64_t r1, float* Y,
                            int64_t ldy) = nullptr;
  int64_t plain_tile = 1;  // tokens per activation tile of rows_plain_panels (12 on AVX-512)
  // Activation quantization of rows [t0, t1) of X[T][out->cols] into *out
  // (already resized, act_quant.hpp); every table gives the reference's bits.
  void (*quantize_acts)(const float* X, int64_t t0, int64_t t1, QActs* out) = &quantize_acts_rows_ref;
  // Attention helpers: dot(q[n], k[n]) with k f32 or f16; o[n] += a * v[n]; o[n] *= a.
  float (*dot_f32)(const float* q, const float* k, int64_t n) = nullptr;
  float (*dot_f16)(const float* q, const uint16_t* k, int64_t n) = nullptr;
  void (*axpy_f32)(float a, const float* v, float* o, int64_t n) = nullptr;
  void (*axpy_f16)(float a, const uint16_t* v, float* o, int64_t n) = nullptr;
  void (*scale)(float a, float* o, int64_t n) = nullptr;
  // x[i] = exp(x[i] - m), returns sum_i x[i] (m >= max_i x[i]).
  float (*exp_sub)(float* x, int64_t n, float m) = nullptr;

  bool is_ref() const { return target == 0; }
};

// True for the types rows_q handles (their activations are quantized to 8 bits).
bool kernel_wants_qacts(core::DType t);
// True for the types rows_plain or rows_q handle.
bool kernel_supports(core::DType t);

// The table in use: chosen once (best supported target, or SINKSTREAM_SIMD).
const Kernels& active_kernels();
// Every compiled target this CPU can run, best first, then the reference.
std::vector<const Kernels*> available_kernels();
// By name (see above); nullptr when not compiled or not supported here.
const Kernels* kernels_by_name(const std::string& name);

}  // namespace sinkstream::backend::cpu
