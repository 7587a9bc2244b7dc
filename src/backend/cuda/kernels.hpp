// Launchers of the CUDA kernels (matvec.cu, gemm_prep.cu, attention.cu). Plain
// C++ declarations: cuda_backend.cpp includes this without the CUDA headers'
// device side. Every pointer named d* is device memory; `stream` is a
// cudaStream_t. Each kernel has a host reference it is tested against
// (tests/cuda/cuda_backend_test.cpp compares with the CPU backend's reference
// path).
#pragma once

#include <cstdint>

namespace sinkstream::backend::cuda {

// Weight formats the device kernels read directly. Every other dtype is
// converted to F16 once, on upload (cuda_backend.cpp).
enum class DevType : int32_t { kF32, kF16, kBF16, kQ8_0, kQ4_0 };

// Y[T][rows] = X[T][cols] · Wᵀ (+ bias[rows] when dbias is not null), one warp
// per row, the T (<= kMatvecMaxT) activation rows read by every warp: a
// matrix is read once for all T. W: rows × row_bytes in the file's layout.
inline constexpr int64_t kMatvecMaxT = 8;
void matvec(DevType type, const void* dW, int64_t rows, int64_t cols, int64_t row_bytes, const float* dX, float* dY,
            int64_t T, const float* dbias, void* stream);

// out[rows][cols] f16 = W dequantized (the GEMM input of prefill chunks).
void dequantize_f16(DevType type, const void* dW, int64_t rows, int64_t cols, int64_t row_bytes, void* dout,
                    void* stream);
// out[n] f16 = x[n] f32 (round to nearest).
void f32_to_f16(const float* dx, void* dout, int64_t n, void* stream);
// Y[T][rows] += bias[rows].
void add_bias(float* dY, const float* dbias, int64_t T, int64_t rows, void* stream);

// Attention of T queries over one layer's mirrored K/V rows ([n_slots][kv_dim],
// f16 or f32), flash-decoding style: keys cut into chunks of kAttnChunk, one
// block per (chunk, head, query) keeps (max, sum of exp, weighted value sum),
// a second kernel merges them in chunk order with the extra sink logit.
inline constexpr int32_t kAttnChunk = 256;
struct DevSpan {
  int32_t slot_begin;
  int32_t count;
  int64_t q_rot_pos;
  int32_t key_begin;  // index of the span's first key among its query's keys
  int32_t pad;
};
struct AttentionLaunch {
  int32_t T = 0, n_head = 0, n_head_kv = 0, head_dim = 0, kv_dim = 0;
  float scale = 1.0f, softcap = 0.0f;
  bool f16 = true;
  const void* dk = nullptr;                // [n_slots][kv_dim]
  const void* dv = nullptr;                // [n_slots][kv_dim]
  const int64_t* dslot_pos = nullptr;      // [n_slots] (read only with ALiBi)
  const DevSpan* dspans = nullptr;         // all queries' spans, query by query
  const int32_t* dspan_offset = nullptr;   // [T + 1] first span of each query
  const int32_t* dn_keys = nullptr;        // [T] keys of each query
  const float* dq = nullptr;               // [total spans][n_head * head_dim] query rotated per span
  const float* dalibi = nullptr;           // [n_head] or null
  const float* dsink = nullptr;            // [n_head] or null
  bool zero_sink = false;
  int32_t max_keys = 0;                    // max over queries of dn_keys
  float* dpartial_o = nullptr;             // [T][n_head][n_chunks][head_dim] scratch
  float* dpartial_ml = nullptr;            // [T][n_head][n_chunks][2] scratch
  float* dout = nullptr;                   // [T][n_head * head_dim]
};
inline int32_t attention_chunks(int32_t max_keys) { return (max_keys + kAttnChunk - 1) / kAttnChunk; }
void attention(const AttentionLaunch& a, void* stream);

}  // namespace sinkstream::backend::cuda
