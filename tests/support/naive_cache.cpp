#include "support/naive_cache.hpp"

#include <algorithm>

#include "sinkstream/error.hpp"

namespace sinkstream::test {

NaiveCache::NaiveCache(int32_t n_layer, int32_t kv_dim, const CachePolicy& policy)
    : KvCache(n_layer, kv_dim, 16), policy_(policy), raw_k_(static_cast<size_t>(n_layer)),
      raw_v_(static_cast<size_t>(n_layer)) {}

void NaiveCache::clear() {
  held_.clear();
  for (auto& l : raw_k_) l.clear();
  for (auto& l : raw_v_) l.clear();
}

KvPlacement NaiveCache::append(int64_t pos) {
  auto erase = [&](size_t first, size_t count) {
    held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(first), held_.begin() + static_cast<std::ptrdiff_t>(first + count));
    for (auto* layers : {&raw_k_, &raw_v_}) {
      for (auto& l : *layers) {
        l.erase(l.begin() + static_cast<std::ptrdiff_t>(first), l.begin() + static_cast<std::ptrdiff_t>(first + count));
      }
    }
  };
  const size_t n = held_.size();
  switch (policy_.kind) {
    case CachePolicy::Kind::kWindow:
      if (n == static_cast<size_t>(policy_.window)) erase(0, 1);
      break;
    case CachePolicy::Kind::kSink:
      if (n == static_cast<size_t>(policy_.sinks + policy_.window)) erase(static_cast<size_t>(policy_.sinks), 1);
      break;
    case CachePolicy::Kind::kDiscard:
      if (n == static_cast<size_t>(policy_.sinks + 2 * policy_.discard)) {
        erase(static_cast<size_t>(policy_.sinks), static_cast<size_t>(policy_.discard));
      }
      break;
    default:
      break;
  }
  held_.push_back(pos);
  for (auto* layers : {&raw_k_, &raw_v_}) {
    for (auto& l : *layers) l.emplace_back(static_cast<size_t>(kv_dim()));
  }
  if (static_cast<int32_t>(held_.size()) > n_slots()) resize_slots(static_cast<int32_t>(held_.size()) * 2);
  const int32_t slot = static_cast<int32_t>(held_.size()) - 1;
  return {slot, slot};  // in-cache position
}

void NaiveCache::write(int32_t layer, const KvPlacement& p, const float* k_in, const float* v_in,
                       const KeyRotator& rotate) {
  const size_t L = static_cast<size_t>(layer);
  std::copy(k_in, k_in + kv_dim(), raw_k_[L][static_cast<size_t>(p.slot)].begin());
  std::copy(v_in, v_in + kv_dim(), raw_v_[L][static_cast<size_t>(p.slot)].begin());
  // Re-rotate the whole layer at in-cache positions 0..n-1.
  for (size_t i = 0; i < held_.size(); ++i) {
    float* kd = k(layer, static_cast<int32_t>(i));
    std::copy(raw_k_[L][i].begin(), raw_k_[L][i].end(), kd);
    std::copy(raw_v_[L][i].begin(), raw_v_[L][i].end(), v(layer, static_cast<int32_t>(i)));
    if (rotate) rotate(kd, static_cast<int64_t>(i));
    set_slot_pos(static_cast<int32_t>(i), static_cast<int64_t>(i));
  }
}

void NaiveCache::spans(int64_t, std::vector<KvSpan>* out) const {
  out->clear();
  const int32_t n = static_cast<int32_t>(held_.size());
  out->push_back({0, n, n - 1});
}

void NaiveCache::save_indices(ByteWriter&) const { throw Error(ErrorKind::kUnsupported, "naive cache: no save"); }
void NaiveCache::load_indices(ByteReader&) { throw Error(ErrorKind::kUnsupported, "naive cache: no load"); }

}  // namespace sinkstream::test
