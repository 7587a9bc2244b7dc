#include "backend/cpu/cpu_backend.hpp"

#include <cmath>
#include <utility>

#include "backend/cpu/attention.hpp"
#include "backend/cpu/kernels.hpp"
#include "backend/cpu/ops.hpp"
#include "backend/cpu/panels.hpp"

namespace sinkstream::backend::cpu {

CpuBackend::CpuBackend(int32_t threads, std::shared_ptr<WeightCache> weights)
    : pool_(threads),
      name_(std::string("cpu/") + active_kernels().name),
      weights_(weights != nullptr ? std::move(weights) : std::make_shared<WeightCache>()) {}

void CpuBackend::matmul(const core::TensorView& w, const float* X, float* Y, int64_t T, const core::TensorView* bias) {
  const Kernels& k = active_kernels();
  cpu::matmul_with(k, w, X, Y, T, pool_, bias, panels_for(k, w, *weights_), &qacts_);
}

void CpuBackend::matmul_multi(const core::TensorView* const* ws, const float* X, float* const* Ys, int n, int64_t T,
                              const core::TensorView* const* biases) {
  const Kernels& k = active_kernels();
  const Panels* panels[4] = {nullptr, nullptr, nullptr, nullptr};
  for (int i = 0; i < n && i < 4; ++i) panels[i] = panels_for(k, *ws[i], *weights_);
  cpu::matmul_multi(ws, X, Ys, n, T, pool_, biases, n <= 4 ? panels : nullptr, &qacts_);
}

void CpuBackend::attention(const backend::AttentionArgs& a, std::span<const backend::QueryView> queries, float* out) {
  cpu::attention(a, queries, out, pool_);
}

void CpuBackend::rms_norm(float* out, const float* x, const float* w, int64_t rows, int64_t n, float eps) {
  for (int64_t r = 0; r < rows; ++r) cpu::rmsnorm(out + r * n, x + r * n, w, n, eps);
}

void CpuBackend::layer_norm(float* out, const float* x, const float* w, const float* b, int64_t rows, int64_t n,
                            float eps) {
  for (int64_t r = 0; r < rows; ++r) cpu::layernorm(out + r * n, x + r * n, w, b, n, eps);
}

void CpuBackend::rope(const backend::RopeSpec& spec, float* const* rows, const int64_t* pos, int64_t n_rows) {
  const int32_t half = spec.n_rot / 2;
  if (rope_cos_.size() < static_cast<size_t>(half)) {
    rope_cos_.resize(static_cast<size_t>(half));
    rope_sin_.resize(static_cast<size_t>(half));
  }
  for (int64_t r = 0; r < n_rows; ++r) {
    rope_angles_freq(pos[r], spec.freq, half, rope_cos_.data(), rope_sin_.data());
    for (int32_t h = 0; h < spec.n_heads; ++h) {
      rope_apply(rows[r] + static_cast<size_t>(h) * static_cast<size_t>(spec.head_dim), spec.n_rot, spec.layout,
                 rope_cos_.data(), rope_sin_.data());
    }
  }
}

void CpuBackend::embedding_rows(const core::TensorView& table, const int64_t* ids, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) embedding_row(table, ids[i], out + static_cast<size_t>(i) * static_cast<size_t>(table.cols));
}

void CpuBackend::silu_mul(float* x, const float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = silu(x[i]) * y[i];
}

void CpuBackend::gelu_mul(float* x, const float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = cpu::gelu(x[i]) * y[i];
}

void CpuBackend::swiglu_oai(float* x, const float* y, int64_t n, float alpha, float limit) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = std::fmin(x[i], limit);
    const float u = std::fmax(std::fmin(y[i], limit), -limit);
    x[i] = (u + 1.0f) * g / (1.0f + std::exp(-alpha * g));
  }
}

void CpuBackend::gelu(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = cpu::gelu(x[i]);
}

void CpuBackend::gelu_erf(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = cpu::gelu_erf(x[i]);
}

void CpuBackend::head_gate(float* o, const float* g, int64_t T, int32_t n_head, int32_t head_dim) {
  for (int64_t t = 0; t < T; ++t) {
    for (int32_t h = 0; h < n_head; ++h) {
      const float s = 1.0f / (1.0f + std::exp(-g[t * n_head + h]));
      float* row = o + (static_cast<size_t>(t) * static_cast<size_t>(n_head) + static_cast<size_t>(h)) *
                           static_cast<size_t>(head_dim);
      for (int32_t d = 0; d < head_dim; ++d) row[d] *= s;
    }
  }
}

void CpuBackend::add(float* x, const float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] += y[i];
}

}  // namespace sinkstream::backend::cpu
