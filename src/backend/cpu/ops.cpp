#include "backend/cpu/ops.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "backend/cpu/kernels.hpp"
#include "backend/cpu/panels.hpp"
#include "core/row_dot.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::backend::cpu {

namespace {

// The scalar reference: each output element through row_dot_ref.
void matmul_ref(const core::TensorView& w, const float* X, float* Y, int64_t T, core::ThreadPool& pool, const float* b) {
  const int64_t rows = w.rows, cols = w.cols;
  auto body = [&](int64_t r0, int64_t r1, int) {
    for (int64_t r = r0; r < r1; ++r) {
      for (int64_t t = 0; t < T; ++t) {
        const float* x = X + t * cols;
        float acc;
        if (w.type == core::DType::kF32) {
          const float* row = w.f32() + r * cols;
          acc = 0.0f;
          for (int64_t i = 0; i < cols; ++i) acc += row[i] * x[i];
        } else {
          acc = core::row_dot_ref(w.type, w.row_ptr(r), x, cols);
        }
        Y[t * rows + r] = b != nullptr ? acc + b[r] : acc;
      }
    }
  };
  // Small products are not worth waking the pool for.
  if (rows * cols * T < 32768) body(0, rows, 0);
  else pool.parallel_for(rows, body);
}

// X[T][cols] -> *qa on the kernel table's quantizer.
void quantize_with(const Kernels& k, const float* X, int64_t T, int64_t cols, QActs* qa) {
  qa->resize(T, cols);
  k.quantize_acts(X, 0, T, qa);
}

// X in the panel kernel's token tiles (into scratch->tiles) when `wanted`
// and T > 1; X itself otherwise (one token: the same layout).
const float* plain_tiles(const Kernels& k, bool wanted, const float* X, int64_t T, int64_t cols, QActs* scratch) {
  if (!wanted || T == 1) return X;
  pack_token_tiles(X, T, cols, k.plain_tile, &scratch->tiles);
  return scratch->tiles.data();
}

}  // namespace

void matmul(const core::TensorView& w, const float* X, float* Y, int64_t T, core::ThreadPool& pool, const core::TensorView* bias) {
  matmul_with(active_kernels(), w, X, Y, T, pool, bias);
}

void matmul_with(const Kernels& k, const core::TensorView& w, const float* X, float* Y, int64_t T, core::ThreadPool& pool,
                 const core::TensorView* bias, const Panels* panels, QActs* scratch) {
  const float* b = (bias != nullptr && !bias->empty()) ? bias->f32() : nullptr;
  const bool q = kernel_wants_qacts(w.type);
  if (k.is_ref() || !kernel_supports(w.type) || (q && w.cols % kQActBlock != 0) || T <= 0) {
    matmul_ref(w, X, Y, T, pool, b);
    return;
  }
  const int64_t rows = w.rows;
  const WeightRows wr{w.type, static_cast<const uint8_t*>(w.data), core::dtype_row_bytes(w.type, w.cols), w.cols};
  QActs local;
  QActs& qa = scratch != nullptr ? *scratch : local;
  if (q) quantize_with(k, X, T, w.cols, &qa);
  const Panels* pan = panels != nullptr && panels_supported(k, w.type) && panels->type == w.type ? panels : nullptr;
  const float* Xt = plain_tiles(k, pan != nullptr && !q, X, T, w.cols, &qa);
  // Threads split whole panels (16 rows) when a panel kernel runs.
  const int64_t unit = pan != nullptr ? kPanelRows : 1;
  auto body = [&](int64_t u0, int64_t u1, int) {
    const int64_t r0 = u0 * unit, r1 = std::min(rows, u1 * unit);
    if (pan != nullptr && !q) k.rows_plain_panels(*pan, Xt, T, r0, r1, Y, rows);
    else if (pan != nullptr) k.rows_panels(*pan, qa, T, r0, r1, Y, rows);
    else if (q) k.rows_q(wr, qa, T, r0, r1, Y, rows);
    else k.rows_plain(wr, X, T, r0, r1, Y, rows);
    if (b != nullptr) {
      for (int64_t t = 0; t < T; ++t)
        for (int64_t r = r0; r < r1; ++r) Y[t * rows + r] += b[r];
    }
  };
  const int64_t units = (rows + unit - 1) / unit;
  if (rows * w.cols * T < 32768) body(0, units, 0);
  else pool.parallel_for(units, body);
}

void matmul_multi(const core::TensorView* const* ws, const float* X, float* const* Ys, int n, int64_t T, core::ThreadPool& pool,
                  const core::TensorView* const* biases, const Panels* const* panels, QActs* scratch) {
  const Kernels& k = active_kernels();
  bool fast = !k.is_ref() && n <= 4 && T > 0;
  for (int i = 0; i < n && fast; ++i) {
    fast = kernel_supports(ws[i]->type) && ws[i]->cols == ws[0]->cols &&
           kernel_wants_qacts(ws[i]->type) == kernel_wants_qacts(ws[0]->type) &&
           (!kernel_wants_qacts(ws[i]->type) || ws[i]->cols % kQActBlock == 0);
  }
  if (!fast) {
    for (int i = 0; i < n; ++i) matmul_with(k, *ws[i], X, Ys[i], T, pool, biases[i], panels != nullptr ? panels[i] : nullptr, scratch);
    return;
  }
  const bool q = kernel_wants_qacts(ws[0]->type);
  QActs local;
  QActs& qa = scratch != nullptr ? *scratch : local;
  if (q) quantize_with(k, X, T, ws[0]->cols, &qa);
  WeightRows wr[4];
  // A panel kernel runs for each matrix that has panels, the row kernel for
  // the others (a file may mix types); when any has panels, threads split
  // whole panels (16 rows) of every matrix.
  const Panels* pan[4] = {nullptr, nullptr, nullptr, nullptr};
  bool use_panels = false;
  for (int i = 0; i < n; ++i) {
    if (panels != nullptr && panels[i] != nullptr && panels_supported(k, ws[i]->type) && panels[i]->type == ws[i]->type)
      pan[i] = panels[i];
    use_panels = use_panels || pan[i] != nullptr;
  }
  const float* Xt = plain_tiles(k, use_panels && !q, X, T, ws[0]->cols, &qa);
  const int64_t unit = use_panels ? kPanelRows : 1;
  int64_t first[5] = {0, 0, 0, 0, 0};  // unit offsets of each matrix in the concatenated space
  for (int i = 0; i < n; ++i) {
    const core::TensorView& w = *ws[i];
    wr[i] = {w.type, static_cast<const uint8_t*>(w.data), core::dtype_row_bytes(w.type, w.cols), w.cols};
    first[i + 1] = first[i] + (w.rows + unit - 1) / unit;
  }
  auto body = [&](int64_t g0, int64_t g1, int) {
    for (int i = 0; i < n; ++i) {
      const int64_t rows = ws[i]->rows;
      const int64_t r0 = (std::max(g0, first[i]) - first[i]) * unit;
      const int64_t r1 = std::min(rows, (std::min(g1, first[i + 1]) - first[i]) * unit);
      if (r0 >= r1) continue;
      if (pan[i] != nullptr && !q) k.rows_plain_panels(*pan[i], Xt, T, r0, r1, Ys[i], rows);
      else if (pan[i] != nullptr) k.rows_panels(*pan[i], qa, T, r0, r1, Ys[i], rows);
      else if (q) k.rows_q(wr[i], qa, T, r0, r1, Ys[i], rows);
      else k.rows_plain(wr[i], X, T, r0, r1, Ys[i], rows);
      const core::TensorView* bias = biases[i];
      if (bias != nullptr && !bias->empty()) {
        const float* b = bias->f32();
        for (int64_t t = 0; t < T; ++t)
          for (int64_t r = r0; r < r1; ++r) Ys[i][t * rows + r] += b[r];
      }
    }
  };
  if (first[n] * unit * ws[0]->cols * T < 32768) body(0, first[n], 0);
  else pool.parallel_for(first[n], body);
}

void rmsnorm(float* out, const float* x, const float* w, int64_t n, float eps) {
  float ss = 0.0f;
  for (int64_t i = 0; i < n; ++i) ss += x[i] * x[i];
  const float scale = 1.0f / std::sqrt(ss / static_cast<float>(n) + eps);
  for (int64_t i = 0; i < n; ++i) out[i] = w[i] * (scale * x[i]);
}

void layernorm(float* out, const float* x, const float* w, const float* b, int64_t n, float eps) {
  double mean = 0.0;
  for (int64_t i = 0; i < n; ++i) mean += x[i];
  mean /= static_cast<double>(n);
  double var = 0.0;
  for (int64_t i = 0; i < n; ++i) var += (x[i] - mean) * (x[i] - mean);
  var /= static_cast<double>(n);
  const float inv = static_cast<float>(1.0 / std::sqrt(var + eps));
  for (int64_t i = 0; i < n; ++i) {
    const float v = (x[i] - static_cast<float>(mean)) * inv * w[i];
    out[i] = b != nullptr ? v + b[i] : v;
  }
}

void embedding_row(const core::TensorView& table, int64_t id, float* out) {
  if (id < 0 || id >= table.rows) {
    throw Error(ErrorKind::kRange, "token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                                       std::to_string(table.rows) + ")");
  }
  core::row_dequantize_ref(table.type, table.row_ptr(id), out, table.cols);
}

void rope_angles_freq(int64_t pos, const double* freq, int32_t half, float* cos_out, float* sin_out) {
  for (int32_t i = 0; i < half; ++i) {
    const double a = static_cast<double>(pos) * freq[i];
    cos_out[i] = static_cast<float>(std::cos(a));
    sin_out[i] = static_cast<float>(std::sin(a));
  }
}

void rope_apply(float* x, int32_t n_rot, RopeLayout layout, const float* cos_t, const float* sin_t) {
  const int32_t half = n_rot / 2;
  if (layout == RopeLayout::kInterleaved) {
    for (int32_t i = 0; i < half; ++i) {
      const float a = x[2 * i], b = x[2 * i + 1];
      x[2 * i] = a * cos_t[i] - b * sin_t[i];
      x[2 * i + 1] = a * sin_t[i] + b * cos_t[i];
    }
  } else {
    for (int32_t i = 0; i < half; ++i) {
      const float a = x[i], b = x[i + half];
      x[i] = a * cos_t[i] - b * sin_t[i];
      x[i + half] = a * sin_t[i] + b * cos_t[i];
    }
  }
}

float gelu(float x) {
  constexpr float kC = 0.7978845608028654f;  // sqrt(2/pi)
  return 0.5f * x * (1.0f + std::tanh(kC * (x + 0.044715f * x * x * x)));
}

float gelu_erf(float x) {
  constexpr float kInvSqrt2 = 0.7071067811865476f;
  return 0.5f * x * (1.0f + std::erf(x * kInvSqrt2));
}

}  // namespace sinkstream::backend::cpu
