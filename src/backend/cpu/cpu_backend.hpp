// The CPU backend: the Backend ops (backend/backend.hpp) on the host, each on
// the dispatched Highway kernels (kernels.hpp) where one exists and otherwise
// on the reference loops of ops.hpp / attention.hpp, parallel over its own
// ThreadPool. SINKSTREAM_SIMD=ref runs every op on its reference path.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.hpp"
#include "backend/cpu/act_quant.hpp"
#include "backend/weight_cache.hpp"
#include "core/thread_pool.hpp"

namespace sinkstream::backend::cpu {

class CpuBackend final : public backend::Backend {
 public:
  // threads: worker threads (0 = all cores). weights: where repacked weights
  // (panels.hpp) are kept, shared with the other backends of the same Model;
  // null: a cache of this backend's own.
  explicit CpuBackend(int32_t threads, std::shared_ptr<WeightCache> weights = nullptr);

  const char* name() const override { return name_.c_str(); }
  void matmul(const core::TensorView& w, const float* X, float* Y, int64_t T, const core::TensorView* bias) override;
  void matmul_multi(const core::TensorView* const* ws, const float* X, float* const* Ys, int n, int64_t T,
                    const core::TensorView* const* biases) override;
  void attention(const backend::AttentionArgs& a, std::span<const backend::QueryView> queries, float* out) override;
  void rms_norm(float* out, const float* x, const float* w, int64_t rows, int64_t n, float eps) override;
  void layer_norm(float* out, const float* x, const float* w, const float* b, int64_t rows, int64_t n,
                  float eps) override;
  void rope(const backend::RopeSpec& spec, float* const* rows, const int64_t* pos, int64_t n_rows) override;
  void embedding_rows(const core::TensorView& table, const int64_t* ids, int64_t n, float* out) override;
  void silu_mul(float* x, const float* y, int64_t n) override;
  void gelu_mul(float* x, const float* y, int64_t n) override;
  void swiglu_oai(float* x, const float* y, int64_t n, float alpha, float limit) override;
  void gelu(float* x, int64_t n) override;
  void gelu_erf(float* x, int64_t n) override;
  void head_gate(float* o, const float* g, int64_t T, int32_t n_head, int32_t head_dim) override;
  void add(float* x, const float* y, int64_t n) override;

  core::ThreadPool& pool() { return pool_; }

 private:
  core::ThreadPool pool_;
  std::string name_;
  std::shared_ptr<WeightCache> weights_;  // never null
  QActs qacts_;  // the last matmul's quantized activations (reused: no allocation per call)
  std::vector<float> rope_cos_, rope_sin_;  // [n_rot / 2] angles of one position
};

}  // namespace sinkstream::backend::cpu
