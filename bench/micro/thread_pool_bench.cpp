// Cost of one ThreadPool::parallel_for with an empty body (the per-call
// synchronization a forward pass pays ~7 times per layer), spin-then-block
// (the default) against block-only (spin_us = 0).
//   build/release/sinkstream_bench --benchmark_filter=ThreadPool
#include <benchmark/benchmark.h>

#include "core/thread_pool.hpp"

namespace {

void BM_ThreadPoolSync(benchmark::State& st) {
  sinkstream::core::ThreadPool pool(static_cast<int>(st.range(0)), static_cast<int>(st.range(1)));
  int64_t sink = 0;
  for (auto _ : st) {
    pool.parallel_for(64, [&](int64_t b, int64_t e, int) { benchmark::DoNotOptimize(sink += e - b); });
  }
  st.SetLabel(st.range(1) > 0 ? "spin-then-block" : "block only");
}

BENCHMARK(BM_ThreadPoolSync)->Args({2, 50})->Args({2, 0})->UseRealTime();

}  // namespace
