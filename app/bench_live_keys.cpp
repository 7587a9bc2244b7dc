#include "bench_live_keys.hpp"

#include <algorithm>

namespace sinkstream::cli {

int64_t live_keys(const CachePolicy& p, int64_t pos) {
  switch (p.kind) {
    case CachePolicy::Kind::kSink: return std::min<int64_t>(pos, p.sinks + p.window);
    case CachePolicy::Kind::kWindow:
    case CachePolicy::Kind::kRecompute: return std::min<int64_t>(pos, p.window);
    case CachePolicy::Kind::kDiscard: return p.capacity > 0 ? std::min<int64_t>(pos, p.capacity) : pos;
    case CachePolicy::Kind::kDense: break;
  }
  return pos;
}

}  // namespace sinkstream::cli
