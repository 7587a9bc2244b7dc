#include "cache/policy.hpp"

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
