// The CUDA backend (issue #15, first step): the Backend seam's matmuls and
// attention on an NVIDIA GPU, every other op on the host through a CpuBackend.
//
// Where things live:
// - Weights: uploaded once per Model into the shared WeightCache (device
//   copies keyed by the view's data pointer). F32 / F16 / BF16 / Q8_0 / Q4_0
//   stay in the file's layout; every other dtype is dequantized to f16 on
//   upload (kernels.hpp, DevType).
// - Activations: host f32 buffers, as the seam says. Each matmul sends its
//   input rows and fetches its output rows (one round trip per call; one for
//   all matrices of a matmul_multi).
// - KV cache: mirrored on the device per (storage, layer). Before each
//   attention call only the rows whose version moved (KvStorage) are sent, so
//   decode sends one new row per layer and token, whatever the window.
// Decode (T <= kMatvecMaxT) runs the matvec kernels; longer chunks dequantize
// the weight to f16 and run a cuBLAS tensor-core GEMM (f16 in, f32 out).
// Attention with an analysis probe runs on the host (the reference path).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "backend/backend.hpp"
#include "backend/cpu/cpu_backend.hpp"
#include "backend/weight_cache.hpp"

namespace sinkstream::backend::cuda {

// True when a CUDA device can be used (the driver answers and has >= 1 device).
bool device_available(std::string* why = nullptr);

class CudaBackend final : public backend::Backend {
 public:
  // threads: the host ops' threads (0 = all cores). weights: the Model's cache
  // (device copies are kept there too); null: a cache of this backend's own.
  // Throws sinkstream::Error when no CUDA device can be used.
  CudaBackend(int32_t threads, std::shared_ptr<WeightCache> weights);
  ~CudaBackend() override;
  CudaBackend(const CudaBackend&) = delete;
  CudaBackend& operator=(const CudaBackend&) = delete;

  const char* name() const override { return name_.c_str(); }
  void matmul(const core::TensorView& w, const float* X, float* Y, int64_t T, const core::TensorView* bias) override;
  void matmul_multi(const core::TensorView* const* ws, const float* X, float* const* Ys, int n, int64_t T,
                    const core::TensorView* const* biases) override;
  void attention(const backend::AttentionArgs& a, std::span<const backend::QueryView> queries, float* out) override;

  // Host ops (small per token; on the CpuBackend).
  void rms_norm(float* out, const float* x, const float* w, int64_t rows, int64_t n, float eps) override {
    host_.rms_norm(out, x, w, rows, n, eps);
  }
  void layer_norm(float* out, const float* x, const float* w, const float* b, int64_t rows, int64_t n,
                  float eps) override {
    host_.layer_norm(out, x, w, b, rows, n, eps);
  }
  void rope(const backend::RopeSpec& spec, float* const* rows, const int64_t* pos, int64_t n_rows) override {
    host_.rope(spec, rows, pos, n_rows);
  }
  void embedding_rows(const core::TensorView& table, const int64_t* ids, int64_t n, float* out) override {
    host_.embedding_rows(table, ids, n, out);
  }
  void silu_mul(float* x, const float* y, int64_t n) override { host_.silu_mul(x, y, n); }
  void gelu_mul(float* x, const float* y, int64_t n) override { host_.gelu_mul(x, y, n); }
  void swiglu_oai(float* x, const float* y, int64_t n, float alpha, float limit) override {
    host_.swiglu_oai(x, y, n, alpha, limit);
  }
  void gelu(float* x, int64_t n) override { host_.gelu(x, n); }
  void gelu_erf(float* x, int64_t n) override { host_.gelu_erf(x, n); }
  void head_gate(float* o, const float* g, int64_t T, int32_t n_head, int32_t head_dim) override {
    host_.head_gate(o, g, T, n_head, head_dim);
  }
  void add(float* x, const float* y, int64_t n) override { host_.add(x, y, n); }

 private:
  struct Device;  // stream, cuBLAS handle, scratch and KV mirrors (cuda_backend.cpp)
  cpu::CpuBackend host_;
  std::shared_ptr<WeightCache> weights_;
  std::unique_ptr<Device> dev_;
  std::string name_;
};

}  // namespace sinkstream::backend::cuda
