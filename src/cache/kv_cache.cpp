#include "cache/kv_cache.hpp"

#include <algorithm>

#include "io/byte_stream.hpp"

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

void KvCache::save(ByteWriter& w) const {
  w.put<int32_t>(n_layer_);
  w.put<int32_t>(kv_dim_);
  w.put<int32_t>(n_slots_);
  w.put_vec(k_);
  w.put_vec(v_);
  w.put_vec(slot_pos_);
  save_indices(w);
}

void KvCache::load(ByteReader& r) {
  const int32_t n_layer = r.get<int32_t>("cache n_layer");
  const int32_t kv_dim = r.get<int32_t>("cache kv_dim");
  const int32_t n_slots = r.get<int32_t>("cache n_slots");
  if (n_layer != n_layer_ || kv_dim != kv_dim_) {
    r.fail("cache shape (" + std::to_string(n_layer) + " layers, kv_dim " + std::to_string(kv_dim) +
           ") does not match this model (" + std::to_string(n_layer_) + ", " + std::to_string(kv_dim_) + ")");
  }
  if (n_slots < n_slots_ && n_slots != n_slots_) r.fail("cache slot count " + std::to_string(n_slots) + " is too small");
  if (n_slots > n_slots_) resize_slots(n_slots);
  auto k = r.get_vec<float>("cache keys");
  auto v = r.get_vec<float>("cache values");
  auto sp = r.get_vec<int64_t>("cache slot positions");
  if (k.size() != k_.size() || v.size() != v_.size() || sp.size() != slot_pos_.size()) {
    r.fail("cache arrays do not match " + std::to_string(n_slots_) + " slots");
  }
  k_.swap(k);
  v_.swap(v);
  slot_pos_.swap(sp);
  load_indices(r);
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
