#include "backend/kv_storage.hpp"

#include <algorithm>
#include <string>
#include <type_traits>

#include "core/byte_stream.hpp"
#include "core/f16.hpp"

namespace sinkstream::backend {

KvStorage::KvStorage(int32_t n_layer, int32_t kv_dim, int32_t n_slots, bool f16)
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
  version_.assign(static_cast<size_t>(n_layer) * static_cast<size_t>(n_slots), 0);
}

void KvStorage::store(int32_t layer, int32_t slot, const float* k_in, const float* v_in) {
  touch(layer, slot);
  if (f16_) {
    uint16_t* kd = k16_.data() + offset(layer, slot);
    uint16_t* vd = v16_.data() + offset(layer, slot);
    for (int32_t i = 0; i < kv_dim_; ++i) {
      kd[i] = core::f32_to_f16(k_in[i]);
      vd[i] = core::f32_to_f16(v_in[i]);
    }
    return;
  }
  std::copy(k_in, k_in + kv_dim_, k(layer, slot));
  std::copy(v_in, v_in + kv_dim_, v(layer, slot));
}

void KvStorage::resize_slots(int32_t n_slots) {
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
  const int32_t old_slots = n_slots_;
  slot_pos_.resize(static_cast<size_t>(n_slots), 0);
  n_slots_ = n_slots;
  // Row indices moved: a new id, so that no mirror of the old layout is reused, and
  // every kept row counts as written (a mirror of the new id must send it; version 0
  // means "still the zeros a mirror starts with").
  version_.assign(static_cast<size_t>(n_layer_) * static_cast<size_t>(n_slots), 0);
  ++tick_;
  for (int32_t l = 0; l < n_layer_; ++l) {
    for (int32_t s = 0; s < old_slots; ++s) version_[index(l, s)] = tick_;
  }
  id_.renew();
}

void KvStorage::save(core::ByteWriter& w) const {
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
}

void KvStorage::load(core::ByteReader& r) {
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
  // Before growing: the K and V rows (and their length words) must be in the data.
  const double row_bytes = static_cast<double>(n_layer) * static_cast<double>(kv_dim) * (f16 ? 2.0 : 4.0);
  if (2.0 * row_bytes * static_cast<double>(n_slots) + 8.0 * static_cast<double>(n_slots) > static_cast<double>(r.left())) {
    r.fail("cache slot count " + std::to_string(n_slots) + " overruns the data");
  }
  const size_t n = static_cast<size_t>(n_layer) * static_cast<size_t>(n_slots) * static_cast<size_t>(kv_dim);
  // The key and value arrays, in the element type of this storage (f16 bits or f32).
  auto load_arrays = [&](auto& k_dst, auto& v_dst) {
    using T = typename std::decay_t<decltype(k_dst)>::value_type;
    auto k = r.get_vec<T>("cache keys");
    auto v = r.get_vec<T>("cache values");
    if (k.size() != n || v.size() != n) r.fail("cache arrays do not match the slot count");
    resize_slots(n_slots);
    k_dst.swap(k);
    v_dst.swap(v);
  };
  if (f16_) {
    load_arrays(k16_, v16_);
  } else {
    load_arrays(k_, v_);
  }
  auto sp = r.get_vec<int64_t>("cache slot positions");
  if (sp.size() != static_cast<size_t>(n_slots)) r.fail("cache slot positions do not match the slot count");
  slot_pos_.swap(sp);
  id_.renew();  // every row replaced: all count as written
  std::fill(version_.begin(), version_.end(), ++tick_);
}

}  // namespace sinkstream::backend
