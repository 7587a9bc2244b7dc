// Process resource readings for benchmarks: resident set size now and at peak, CPU time.
#pragma once

#include <cstddef>

namespace sinkstream::eval {

size_t current_rss_bytes();  // from /proc/self/statm; 0 if unavailable
size_t peak_rss_bytes();     // getrusage ru_maxrss
// CPU seconds used by the whole process (all threads), CLOCK_PROCESS_CPUTIME_ID.
// On a shared machine, (CPU time / threads) estimates the wall time the same
// work takes when the threads are not waiting for a core.
double process_cpu_seconds();

}  // namespace sinkstream::eval
