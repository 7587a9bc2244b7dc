// Matvec (decode, T = 1) and GEMM (prefill chunk, T = 64) per weight type, on
// every SIMD target this CPU runs and the scalar reference; T = 128 and one
// thread for Q8_0 / Q4_0. Shape: a TinyLlama FFN matrix, (5632, 2048). Reports
// bytes/s of weights streamed, tokens/s and multiply-adds/s (GMAC/s). Weights
// run through their row panels where the target has a panel kernel for the
// type (as the engine runs them; label "panels").
//   build/release/sinkstream_bench --benchmark_filter=Matvec
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <vector>

#include "backend/cpu/kernels.hpp"
#include "backend/cpu/ops.hpp"
#include "backend/cpu/panels.hpp"
#include "core/f16.hpp"
#include "core/quantize.hpp"

namespace {

using sinkstream::core::DType;

struct Weights {
  Weights(DType t, int64_t rows, int64_t cols) {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(-0.05f, 0.05f);
    const size_t rb = sinkstream::core::dtype_row_bytes(t, cols);
    bytes.resize(rb * static_cast<size_t>(rows));
    std::vector<float> row(static_cast<size_t>(cols));
    for (int64_t r = 0; r < rows; ++r) {
      for (auto& x : row) x = u(rng);
      uint8_t* dst = bytes.data() + static_cast<size_t>(r) * rb;
      if (t == DType::kF32) {
        std::copy(row.begin(), row.end(), reinterpret_cast<float*>(dst));
      } else if (t == DType::kF16 || t == DType::kBF16) {
        for (int64_t i = 0; i < cols; ++i) {
          const uint16_t h = t == DType::kF16 ? sinkstream::core::f32_to_f16(row[static_cast<size_t>(i)])
                                              : sinkstream::core::f32_to_bf16(row[static_cast<size_t>(i)]);
          dst[2 * i] = static_cast<uint8_t>(h & 0xFF);
          dst[2 * i + 1] = static_cast<uint8_t>(h >> 8);
        }
      } else {
        sinkstream::core::quantize_row_ref(t, row.data(), dst, cols);
      }
    }
    view.type = t;
    view.data = bytes.data();
    view.rows = rows;
    view.cols = cols;
  }
  std::vector<uint8_t> bytes;
  sinkstream::core::TensorView view;
};

// args: type id, target index (into available_kernels()), T, threads
void BM_Matvec(benchmark::State& st) {
  const auto t = static_cast<DType>(st.range(0));
  const auto kernels = sinkstream::backend::cpu::available_kernels();
  if (static_cast<size_t>(st.range(1)) >= kernels.size()) {
    st.SkipWithError("target not available");
    return;
  }
  const sinkstream::backend::cpu::Kernels& k = *kernels[static_cast<size_t>(st.range(1))];
  const int64_t T = st.range(2);
  static Weights* cache[32] = {};
  if (cache[st.range(0)] == nullptr) cache[st.range(0)] = new Weights(t, 5632, 2048);  // kept for the process
  const Weights& w = *cache[st.range(0)];
  std::unique_ptr<sinkstream::backend::cpu::Panels> panels;
  if (sinkstream::backend::cpu::panels_supported(k, t)) panels = sinkstream::backend::cpu::make_panels(w.view);
  sinkstream::core::ThreadPool pool(static_cast<int>(st.range(3)));
  std::vector<float> x(static_cast<size_t>(T * 2048), 0.5f), y(static_cast<size_t>(T * 5632));
  for (auto _ : st) {
    sinkstream::backend::cpu::matmul_with(k, w.view, x.data(), y.data(), T, pool, nullptr, panels.get());
    benchmark::DoNotOptimize(y.data());
  }
  st.SetLabel(std::string(k.name) + " " + sinkstream::core::dtype_name(t) + (panels != nullptr ? " panels" : ""));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations()) * static_cast<int64_t>(w.bytes.size()));
  st.counters["tokens/s"] = benchmark::Counter(static_cast<double>(T), benchmark::Counter::kIsIterationInvariantRate);
  // Multiply-adds per second (1e9 = one GMAC/s): the compute rate of prefill GEMMs.
  st.counters["GMAC/s"] = benchmark::Counter(static_cast<double>(T) * 5632.0 * 2048.0 * 1e-9,
                                             benchmark::Counter::kIsIterationInvariantRate);
}

void MatvecArgs(benchmark::internal::Benchmark* b) {
  const DType types[] = {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K};
  const int64_t n_targets = static_cast<int64_t>(sinkstream::backend::cpu::available_kernels().size());
  for (DType t : types)
    for (int64_t k = 0; k < n_targets; ++k) b->Args({static_cast<int64_t>(t), k, 1, 2});
  // Prefill chunk: best target only.
  for (DType t : types) b->Args({static_cast<int64_t>(t), 0, 64, 2});
  // Larger chunks, one thread and the other targets for the 8-bit GEMMs (prefill of Q8_0 / Q4_0 models).
  b->Args({static_cast<int64_t>(DType::kF16), 0, 64, 1});
  b->Args({static_cast<int64_t>(DType::kF16), 0, 120, 1});
  for (DType t : {DType::kQ8_0, DType::kQ4_0}) {
    for (int64_t k = 1; k < n_targets; ++k) b->Args({static_cast<int64_t>(t), k, 64, 2});
    b->Args({static_cast<int64_t>(t), 0, 128, 2});
    b->Args({static_cast<int64_t>(t), 0, 64, 1});
  }
}

BENCHMARK(BM_Matvec)->Apply(MatvecArgs)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
