#include "cache/kv_cache.hpp"

#include <algorithm>

namespace sinkstream {

KvCache::KvCache(int32_t n_layer, int32_t kv_dim, int32_t n_slots)
    : n_layer_(n_layer), kv_dim_(kv_dim), n_slots_(n_slots) {
  const size_t n = static_cast<size_t>(n_layer) * static_cast<size_t>(n_slots) * static_cast<size_t>(kv_dim);
  k_.assign(n, 0.0f);
  v_.assign(n, 0.0f);
  slot_pos_.assign(static_cast<size_t>(n_slots), 0);
}

void KvCache::write(int32_t layer, const KvPlacement& p, const float* k_in, const float* v_in,
                    const KeyRotator& rotate) {
  float* kd = k(layer, p.slot);
  float* vd = v(layer, p.slot);
  std::copy(k_in, k_in + kv_dim_, kd);
  std::copy(v_in, v_in + kv_dim_, vd);
  if (rotate) rotate(kd, p.rot_pos);
}

void KvCache::resize_slots(int32_t n_slots) {
  if (n_slots <= n_slots_) return;
  const size_t per_old = static_cast<size_t>(n_slots_) * static_cast<size_t>(kv_dim_);
  const size_t per_new = static_cast<size_t>(n_slots) * static_cast<size_t>(kv_dim_);
  std::vector<float> k(static_cast<size_t>(n_layer_) * per_new, 0.0f), v(k.size(), 0.0f);
  for (size_t l = 0; l < static_cast<size_t>(n_layer_); ++l) {
    std::copy_n(k_.begin() + static_cast<std::ptrdiff_t>(l * per_old), per_old, k.begin() + static_cast<std::ptrdiff_t>(l * per_new));
    std::copy_n(v_.begin() + static_cast<std::ptrdiff_t>(l * per_old), per_old, v.begin() + static_cast<std::ptrdiff_t>(l * per_new));
  }
  k_.swap(k);
  v_.swap(v);
  slot_pos_.resize(static_cast<size_t>(n_slots), 0);
  n_slots_ = n_slots;
}

}  // namespace sinkstream
