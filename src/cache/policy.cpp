#include "cache/policy.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "sinkstream/error.hpp"

namespace sinkstream::cache {

int32_t checked_slot_count(int64_t n, const char* what) {
  if (n < 1 || n > std::numeric_limits<int32_t>::max()) {
    throw Error(ErrorKind::kRange, std::string(what) + ": " + std::to_string(n) +
                                       " slots per layer is outside [1, 2^31 - 1]; use a smaller window");
  }
  return static_cast<int32_t>(n);
}

void append_ring_spans(int32_t first, int64_t count, int32_t ring_begin, int32_t ring, int64_t pos,
                       std::vector<KvSpan>* out) {
  while (count > 0) {
    const int64_t run = std::min<int64_t>(count, static_cast<int64_t>(ring_begin) + ring - first);
    out->push_back({first, static_cast<int32_t>(run), pos});
    count -= run;
    first = ring_begin;
  }
}

void Policy::write(KvStorage& kv, int32_t layer, const KvPlacement& p, const float* k, const float* v,
                   const KeyRotator& rotate) {
  if (!rotate) {
    kv.store(layer, p.slot, k, v);
    return;
  }
  if (!kv.is_f16()) {  // rotate in place in the row (no copy)
    kv.store(layer, p.slot, k, v);
    rotate(kv.k(layer, p.slot), p.rot_pos);
    return;
  }
  std::vector<float> tmp(k, k + kv.kv_dim());  // [kv_dim]
  rotate(tmp.data(), p.rot_pos);
  kv.store(layer, p.slot, tmp.data(), v);
}

}  // namespace sinkstream::cache
