#include "cache/kv_cache.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "core/f16.hpp"
#include "io/byte_stream.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {

int32_t checked_slot_count(int64_t n, const char* what) {
  if (n < 1 || n > std::numeric_limits<int32_t>::max()) {
    throw Error(ErrorKind::kRange, std::string(what) + ": " + std::to_string(n) +
                                       " slots per layer is outside [1, 2^31 - 1]; use a smaller window");
  }
  return static_cast<int32_t>(n);
}

KvCache::KvCache(int32_t n_layer, int32_t kv_dim, int32_t n_slots, bool f16)
    : n_layer_(n_layer), kv_dim_(kv_dim), n_slots_(n_slots), f16_(f16) {
  const size_t n = static_cast<size_t>(n_layer) * static_cast<size_t>(n_slots) * static_cast<size_t>(kv_dim);
  if (f16_) {
    k16_.assign(n, 0);
    v16_.assign(n, 0);
  } else {
    k_.assign(n, 0.0f);
    v_.assign(n, 0.0f);
  }
  slot_pos_.assign(static_cast<size_t>(n_slots), 0);
}

void KvCache::write(int32_t layer, const KvPlacement& p, const float* k_in, const float* v_in,
                    const KeyRotator& rotate) {
  if (f16_) {
    std::vector<float> tmp(k_in, k_in + kv_dim_);  // [kv_dim]
    if (rotate) rotate(tmp.data(), p.rot_pos);
    uint16_t* kd = k16_.data() + offset(layer, p.slot);
    uint16_t* vd = v16_.data() + offset(layer, p.slot);
    for (int32_t i = 0; i < kv_dim_; ++i) {
      kd[i] = f32_to_f16(tmp[static_cast<size_t>(i)]);
      vd[i] = f32_to_f16(v_in[i]);
    }
    return;
  }
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
  w.put<uint8_t>(f16_ ? 1 : 0);
  if (f16_) {
    w.put_vec(k16_);
    w.put_vec(v16_);
  } else {
    w.put_vec(k_);
    w.put_vec(v_);
  }
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
  if (n_slots < n_slots_) r.fail("cache slot count " + std::to_string(n_slots) + " is too small");
  const bool f16 = r.get<uint8_t>("cache kv type") != 0;
  if (f16 != f16_) r.fail(std::string("saved with ") + (f16 ? "f16" : "f32") + " KV, this session uses " + (f16_ ? "f16" : "f32"));
  // K and V of every slot, and its position, must be in the file before the cache grows to hold them
  // (the CRC proves nothing: anyone can recompute it). n_layer, kv_dim < 2^31: no overflow.
  const uint64_t slot_bytes = 2 * static_cast<uint64_t>(n_layer) * static_cast<uint64_t>(kv_dim) * (f16_ ? 2 : 4) + 8;
  if (static_cast<uint64_t>(n_slots) > r.left() / slot_bytes) {
    r.fail("cache slot count " + std::to_string(n_slots) + " needs " + std::to_string(slot_bytes) +
           " bytes per slot; the file holds " + std::to_string(r.left()));
  }
  if (n_slots > n_slots_) resize_slots(n_slots);
  if (f16_) {
    auto k = r.get_vec<uint16_t>("cache keys");
    auto v = r.get_vec<uint16_t>("cache values");
    if (k.size() != k16_.size() || v.size() != v16_.size()) r.fail("cache arrays do not match the slot count");
    k16_.swap(k);
    v16_.swap(v);
  } else {
    auto k = r.get_vec<float>("cache keys");
    auto v = r.get_vec<float>("cache values");
    if (k.size() != k_.size() || v.size() != v_.size()) r.fail("cache arrays do not match the slot count");
    k_.swap(k);
    v_.swap(v);
  }
  auto sp = r.get_vec<int64_t>("cache slot positions");
  if (sp.size() != slot_pos_.size()) r.fail("cache slot positions do not match the slot count");
  slot_pos_.swap(sp);
  load_indices(r);
}

void KvCache::resize_slots(int32_t n_slots) {
  if (n_slots <= n_slots_) return;
  const size_t per_old = static_cast<size_t>(n_slots_) * static_cast<size_t>(kv_dim_);
  const size_t per_new = static_cast<size_t>(n_slots) * static_cast<size_t>(kv_dim_);
  auto grow = [&](auto& vec) {
    std::remove_reference_t<decltype(vec)> out(static_cast<size_t>(n_layer_) * per_new);
    if (vec.empty()) return;
    for (size_t l = 0; l < static_cast<size_t>(n_layer_); ++l) {
      std::copy_n(vec.begin() + static_cast<std::ptrdiff_t>(l * per_old), per_old,
                  out.begin() + static_cast<std::ptrdiff_t>(l * per_new));
    }
    vec.swap(out);
  };
  grow(k_);
  grow(v_);
  grow(k16_);
  grow(v16_);
  slot_pos_.resize(static_cast<size_t>(n_slots), 0);
  n_slots_ = n_slots;
}

}  // namespace sinkstream
