// Reference CPU operators (f32). Simple loops that the compiler can vectorize;
// the Highway kernels of the CPU performance issue are tested against these.
#pragma once

#include <cstdint>

#include "backend/cpu/kernels.hpp"
#include "core/tensor.hpp"
#include "core/thread_pool.hpp"
#include "sinkstream/model_config.hpp"

namespace sinkstream::backend::cpu {

// Y[T][w.rows] = X[T][w.cols] · Wᵀ (+ bias[w.rows] when bias is not empty);
// T = 1 is the matrix-vector product of decoding.
// Runs on the dispatched SIMD kernels (kernels.hpp): F32/F16/BF16 rows exactly
// as dots in f32 (summation order differs from the reference: relative error
// ~1e-6 of sum|w x|); Q8_0/Q4_0/Q4_K/Q6_K against activations quantized to 8
// bits per 32 (act_quant.hpp: extra error <= sum_i |w_i| max|x_blk(i)| / 254).
// Rows are computed identically whatever T, so a chunk gives the same rows as
// T single-token calls. Other types (and SINKSTREAM_SIMD=ref) use row_dot_ref.
// This one runs the row kernels with a local scratch (tests and tools).
void matmul(const core::TensorView& w, const float* X, float* Y, int64_t T, core::ThreadPool& pool,
            const core::TensorView* bias = nullptr);

// Same on a given kernel table (tests compare every target with the reference).
// panels: w repacked for k's panel kernel (panels.hpp, Q8_0 / Q4_0 on
// AVX-512 VNNI), or null for the row kernels. The panel kernel sums each
// row's products in another order than the row kernels (same tolerance to the
// reference), and like them gives every row the same bits whatever T.
// scratch: where the quantized activations go (reused between calls by the
// backend: no allocation per call once it has grown), or null for a local one.
void matmul_with(const Kernels& k, const core::TensorView& w, const float* X, float* Y, int64_t T, core::ThreadPool& pool,
                 const core::TensorView* bias = nullptr, const Panels* panels = nullptr, QActs* scratch = nullptr);

// Several matrices over the same input in one pass (q/k/v, gate/up): the
// activations are quantized once and the pool synchronizes once. n <= 4;
// ws[i] (rows_i, cols), Ys[i] [T][rows_i], biases[i] may be null or empty.
// Same results as n matmul calls. panels: null, or [n] of which any may be null.
void matmul_multi(const core::TensorView* const* ws, const float* X, float* const* Ys, int n, int64_t T, core::ThreadPool& pool,
                  const core::TensorView* const* biases, const Panels* const* panels = nullptr, QActs* scratch = nullptr);

// out[n] = x[n] / rms(x) * w[n]
void rmsnorm(float* out, const float* x, const float* w, int64_t n, float eps);

// out[n] = (x - mean) / std * w + b   (b may be null)
void layernorm(float* out, const float* x, const float* w, const float* b, int64_t n, float eps);

// Row `id` of an embedding table (n_vocab, n_embd) of any dtype -> out[n_embd] f32.
void embedding_row(const core::TensorView& table, int64_t id, float* out);

// RoPE angles for one position from a frequency table freq[half] (theta^(-2i/n_rot),
// scaled when the model scales RoPE): cos_out/sin_out [half], angle_i = pos * freq[i],
// computed in double (positions reach 10^7).
void rope_angles_freq(int64_t pos, const double* freq, int32_t half, float* cos_out, float* sin_out);

// Rotates one head vector x[head_dim] in place on its first n_rot dims.
void rope_apply(float* x, int32_t n_rot, RopeLayout layout, const float* cos_t, const float* sin_t);

inline float silu(float x) { return x / (1.0f + __builtin_expf(-x)); }
float gelu(float x);      // tanh approximation, as GPT-2 ("gelu_new") uses
float gelu_erf(float x);  // exact: x/2 * (1 + erf(x/sqrt 2)), as NeoX, Falcon and MPT ("gelu") use

}  // namespace sinkstream::backend::cpu
