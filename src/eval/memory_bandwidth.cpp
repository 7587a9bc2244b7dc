#include "eval/memory_bandwidth.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <vector>

#include "core/thread_pool.hpp"
#include "eval/median.hpp"
#include "eval/resources.hpp"

namespace sinkstream::eval {

namespace {
using clock = std::chrono::steady_clock;
}  // namespace

Bandwidth read_bandwidth_gbs(int32_t threads, size_t bytes, int reps) {
  core::ThreadPool pool(threads);
  constexpr size_t kChunk = 64 * 1024 / sizeof(uint64_t);  // words per 64 KiB chunk
  const size_t words = bytes / sizeof(uint64_t) / kChunk * kChunk;
  std::vector<uint64_t> buf(words);
  for (size_t i = 0; i < words; ++i) buf[i] = i * 0x9E3779B97F4A7C15ull;
  const int n = pool.size();
  std::vector<uint64_t> sink(static_cast<size_t>(n) * 8);
  std::vector<double> gbs, cpu_gbs;
  for (int r = 0; r <= reps; ++r) {
    const auto t0 = clock::now();
    const double c0 = process_cpu_seconds();
    pool.parallel_for(n, [&](int64_t b, int64_t, int) {
      uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (size_t c = static_cast<size_t>(b); c < words / kChunk; c += static_cast<size_t>(n)) {
        const uint64_t* p = buf.data() + c * kChunk;
        for (size_t i = 0; i < kChunk; i += 4) {
          a0 += p[i];
          a1 += p[i + 1];
          a2 += p[i + 2];
          a3 += p[i + 3];
        }
      }
      sink[static_cast<size_t>(b) * 8] = a0 + a1 + a2 + a3;
    });
    const double s = std::chrono::duration<double>(clock::now() - t0).count();
    const double cs = (process_cpu_seconds() - c0) / n;
    if (r > 0) gbs.push_back(static_cast<double>(words * sizeof(uint64_t)) / s / 1e9);
    if (r > 0) cpu_gbs.push_back(static_cast<double>(words * sizeof(uint64_t)) / cs / 1e9);
  }
  volatile uint64_t keep = sink[0];
  (void)keep;
  return {median(gbs), median(cpu_gbs)};
}

double triad_bandwidth_gbs(int32_t threads, size_t bytes, int reps) {
  core::ThreadPool pool(threads);
  const size_t n = bytes / 3 / sizeof(double);
  std::vector<double> a(n, 0.0), b(n, 1.0), c(n, 2.0);
  std::vector<double> gbs;
  const double s = 3.0;
  for (int r = 0; r <= reps; ++r) {
    const auto t0 = clock::now();
    pool.parallel_for(static_cast<int64_t>(n), [&](int64_t i0, int64_t i1, int) {
      for (int64_t i = i0; i < i1; ++i) a[static_cast<size_t>(i)] = b[static_cast<size_t>(i)] + s * c[static_cast<size_t>(i)];
    });
    const double sec = std::chrono::duration<double>(clock::now() - t0).count();
    if (r > 0) gbs.push_back(3.0 * static_cast<double>(n * sizeof(double)) / sec / 1e9);
  }
  return median(gbs);
}

}  // namespace sinkstream::eval
