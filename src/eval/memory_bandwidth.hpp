// Memory-bandwidth probes for `sinkstream bench` (the roofline's denominator).
// threads: as SessionOptions::threads (0 = all cores).
#pragma once

#include <cstddef>

#include <cstdint>

namespace sinkstream::eval {

// Read-only bandwidth in GB/s (1e9 B/s): `bytes` of memory summed in 64 KiB
// chunks handed to `threads` threads in turn (chunk i -> thread i % n), the
// way a matvec streams its weights. Median of `reps` passes after one warm-up.
// cpu_gbs: the same bytes over (process CPU time / threads), the bandwidth
// when the threads are not waiting for a core (shared machines).
struct Bandwidth {
  double gbs = 0.0, cpu_gbs = 0.0;
};
Bandwidth read_bandwidth_gbs(int32_t threads, size_t bytes, int reps);

// STREAM triad a[i] = b[i] + s * c[i] over three arrays of `bytes` / 3 (doubles),
// contiguous halves per thread; counts 3 * array bytes per pass (STREAM's
// convention, write-allocate traffic not counted). Median of `reps`.
double triad_bandwidth_gbs(int32_t threads, size_t bytes, int reps);

}  // namespace sinkstream::eval
