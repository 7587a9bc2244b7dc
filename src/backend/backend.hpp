// The backend seam: every op the model code (src/model/blocks.cpp) runs goes
// through one Backend, chosen and owned by the Session (make_backend.hpp). The
// model code says what an architecture computes; the backend says where and
// how. One virtual call per op per chunk (per layer), never per element:
// the chunk's T rows are always handed over together.
//
// What a backend sees and owns:
// - Activations: host f32 buffers, row-major [T][n] as the comments say,
//   owned by the caller (ForwardScratch); results are written to caller
//   buffers. Inputs and outputs never alias unless an op says so.
// - Weights: TensorView (core/tensor.hpp), host memory mapped from the model
//   file or owned by the Model, any dtype of core/dtype.hpp, immutable and
//   shared by every session. A device backend keeps its own copies, keyed by
//   the view's data pointer (stable for the Model's life).
// - KV cache: backend::KvStorage rows in host memory, read through KvView
//   (kv_view.hpp) by attention(); the cache policy (src/cache) writes new rows
//   between calls. A device backend mirrors the rows a chunk wrote.
// - Threads, SIMD dispatch, streams: private to the backend (the CPU backend
//   owns its ThreadPool; the model code never sees threads).
// Results must match the CPU reference path (src/backend/cpu, SINKSTREAM_SIMD=ref)
// within each op's documented tolerance; tests compare every fast path with it.
//
// Adding a backend (e.g. CUDA, issue #15): a folder src/backend/<name>/ with a
// class implementing this interface, and one line in make_backend.cpp.
#pragma once

#include <cstdint>
#include <span>

#include "backend/attention_args.hpp"
#include "core/tensor.hpp"
#include "sinkstream/model_config.hpp"

namespace sinkstream::backend {

// How RoPE rotates a head vector: the first n_rot of head_dim dims, in pairs
// laid out as `layout` says, pair i by angle pos * freq[i] (computed in double).
struct RopeSpec {
  int32_t n_heads = 0;       // heads per row
  int32_t head_dim = 0;      // row stride between heads
  int32_t n_rot = 0;         // rotated dims per head (even)
  RopeLayout layout = RopeLayout::kInterleaved;
  const double* freq = nullptr;  // [n_rot / 2] per-pair frequencies (scaling applied)
};

class Backend {
 public:
  virtual ~Backend() = default;

  // "cpu/avx2", ... (for summaries).
  virtual const char* name() const = 0;

  // Y[T][w.rows] = X[T][w.cols] · Wᵀ (+ bias[w.rows] when bias is non-null and not empty).
  // Row t of Y depends only on row t of X (a chunk gives the rows T single calls give).
  virtual void matmul(const core::TensorView& w, const float* X, float* Y, int64_t T, const core::TensorView* bias = nullptr) = 0;

  // n <= 4 matrices over the same input (q/k/v, gate/up): ws[i] (rows_i, cols),
  // Ys[i] [T][rows_i], biases[i] null or a view (maybe empty). Same results as n matmul calls.
  virtual void matmul_multi(const core::TensorView* const* ws, const float* X, float* const* Ys, int n, int64_t T,
                            const core::TensorView* const* biases) = 0;

  // out[T][n_head * head_dim] = attention of each query over a.kv (attention_args.hpp).
  virtual void attention(const AttentionArgs& a, std::span<const QueryView> queries, float* out) = 0;

  // out[rows][n] = x / rms(x) * w[n] per row (out may be x).
  virtual void rms_norm(float* out, const float* x, const float* w, int64_t rows, int64_t n, float eps) = 0;
  // out[rows][n] = (x - mean) / std * w[n] + b[n] per row (b may be null; out may be x).
  virtual void layer_norm(float* out, const float* x, const float* w, const float* b, int64_t rows, int64_t n,
                          float eps) = 0;

  // Rotates rows[i] ([spec.n_heads * spec.head_dim], in place) at position pos[i], i < n_rows.
  virtual void rope(const RopeSpec& spec, float* const* rows, const int64_t* pos, int64_t n_rows) = 0;

  // out[n][table.cols] f32 = rows ids[0..n) of an embedding table (n_vocab or n_ctx, n_embd) of any dtype.
  virtual void embedding_rows(const core::TensorView& table, const int64_t* ids, int64_t n, float* out) = 0;

  // Activations over n values in place: x = silu(x) * y (SwiGLU); x = gelu(x)
  // (tanh approximation, GPT-2's "gelu_new"); x = gelu(x) exact (erf).
  virtual void silu_mul(float* x, const float* y, int64_t n) = 0;
  // x = gelu(x) * y, tanh approximation (GeGLU).
  virtual void gelu_mul(float* x, const float* y, int64_t n) = 0;
  virtual void gelu(float* x, int64_t n) = 0;
  virtual void gelu_erf(float* x, int64_t n) = 0;
  // gpt-oss's clamped SwiGLU over n values in place: g = min(x, limit), u = clamp(y, -limit, limit),
  // x = (u + 1) * g * sigmoid(alpha * g).
  virtual void swiglu_oai(float* x, const float* y, int64_t n, float alpha, float limit) = 0;

  // Head-wise output gate: o[T][n_head * head_dim], head h of row t *= sigmoid(g[t][h]).
  virtual void head_gate(float* o, const float* g, int64_t T, int32_t n_head, int32_t head_dim) = 0;

  // x[n] += y[n]
  virtual void add(float* x, const float* y, int64_t n) = 0;
};

}  // namespace sinkstream::backend
