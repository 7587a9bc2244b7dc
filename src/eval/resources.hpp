// Process resource readings for benchmarks: resident set size now and at peak.
#pragma once

#include <cstddef>

namespace sinkstream {

size_t current_rss_bytes();  // from /proc/self/statm; 0 if unavailable
size_t peak_rss_bytes();     // getrusage ru_maxrss

}  // namespace sinkstream
