// The K/V rows of a cache in host memory: [n_layer][n_slots][kv_dim] keys and
// values, f32 or IEEE half, and the position each slot's key was rotated at.
// Owned by a cache (src/cache/kv_cache.hpp); the cache policy says which slot a
// token goes to, the storage only holds rows. Kernels read it through view().
// Each (layer, slot) row carries a version that every write raises, and the
// storage an id no other storage of the process has had (a copy gets a new
// one): a device backend mirrors rows and re-sends only those whose version
// moved since it last sent them (kv_view.hpp).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "backend/kv_view.hpp"

namespace sinkstream::core {
class ByteWriter;
class ByteReader;
}  // namespace sinkstream::core

namespace sinkstream::backend {

// A process-unique id, drawn anew for every object and every copy (so two
// storages never share the versions a device mirror keys on).
class StorageId {
 public:
  StorageId() : v_(next()) {}
  StorageId(const StorageId&) : v_(next()) {}
  StorageId& operator=(const StorageId&) {
    v_ = next();
    return *this;
  }
  void renew() { v_ = next(); }
  uint64_t value() const { return v_; }

 private:
  static uint64_t next() {
    static std::atomic<uint64_t> counter{0};  // an id source only: no state any result depends on
    return counter.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  uint64_t v_;
};

class KvStorage {
 public:
  // f16: store K and V as IEEE half floats (halves the memory and traffic).
  KvStorage(int32_t n_layer, int32_t kv_dim, int32_t n_slots, bool f16);

  int32_t n_layer() const { return n_layer_; }
  int32_t kv_dim() const { return kv_dim_; }
  int32_t n_slots() const { return n_slots_; }
  bool is_f16() const { return f16_; }
  size_t bytes() const { return (k_.size() + v_.size()) * sizeof(float) + (k16_.size() + v16_.size()) * 2; }

  KvView view() const {
    KvView out = f16_ ? KvView(n_layer_, kv_dim_, n_slots_, true, k16_.data(), v16_.data(), slot_pos_.data())
                      : KvView(n_layer_, kv_dim_, n_slots_, false, k_.data(), v_.data(), slot_pos_.data());
    out.set_versions(id_.value(), version_.data());
    return out;
  }

  // Layer `layer` of this storage alone, addressed as model layer `model_layer` (KvView::one_layer).
  KvView layer_view(int32_t layer, int32_t model_layer) const {
    const size_t off = offset(layer, 0);
    KvView out = f16_ ? KvView::one_layer(model_layer, kv_dim_, n_slots_, true, k16_.data() + off,
                                          v16_.data() + off, slot_pos_.data())
                      : KvView::one_layer(model_layer, kv_dim_, n_slots_, false, k_.data() + off, v_.data() + off,
                                          slot_pos_.data());
    out.set_versions(id_.value(), version_.data() + static_cast<size_t>(layer) * static_cast<size_t>(n_slots_));
    return out;
  }

  // f32 storage (only when !is_f16()): one slot's [kv_dim] key / value. The
  // writable ones count as a write of that row (its version moves).
  float* k(int32_t layer, int32_t slot) {
    touch(layer, slot);
    return k_.data() + offset(layer, slot);
  }
  float* v(int32_t layer, int32_t slot) {
    touch(layer, slot);
    return v_.data() + offset(layer, slot);
  }
  const float* k(int32_t layer, int32_t slot) const { return k_.data() + offset(layer, slot); }
  const float* v(int32_t layer, int32_t slot) const { return v_.data() + offset(layer, slot); }
  // Position each slot's key was rotated at ([n_slots]).
  const int64_t* slot_pos() const { return slot_pos_.data(); }
  void set_slot_pos(int32_t slot, int64_t pos) { slot_pos_[static_cast<size_t>(slot)] = pos; }
  // This storage's process-unique id and the version of each row ([n_layer][n_slots]).
  uint64_t id() const { return id_.value(); }
  uint64_t version(int32_t layer, int32_t slot) const { return version_[index(layer, slot)]; }

  // Stores one token's rotated key and value (k, v: [kv_dim] f32) in a slot,
  // converted to f16 when the storage is f16.
  void store(int32_t layer, int32_t slot, const float* k, const float* v);

  // Grows the slot count, keeping the rows (a no-op when n_slots is not larger).
  void resize_slots(int32_t n_slots);

  // Saved sessions: shape, dtype, rows and slot positions. load() refuses
  // another shape or dtype or a slot count below the current one, and checks
  // that the rows fit in the bytes left before it allocates anything.
  void save(core::ByteWriter& w) const;
  void load(core::ByteReader& r);

 private:
  size_t index(int32_t layer, int32_t slot) const {
    return static_cast<size_t>(layer) * static_cast<size_t>(n_slots_) + static_cast<size_t>(slot);
  }
  size_t offset(int32_t layer, int32_t slot) const { return index(layer, slot) * static_cast<size_t>(kv_dim_); }
  void touch(int32_t layer, int32_t slot) { version_[index(layer, slot)] = ++tick_; }
  int32_t n_layer_, kv_dim_, n_slots_;
  bool f16_;
  std::vector<float> k_, v_;         // [n_layer][n_slots][kv_dim] when f32
  std::vector<uint16_t> k16_, v16_;  // [n_layer][n_slots][kv_dim] when f16
  std::vector<int64_t> slot_pos_;    // [n_slots]
  std::vector<uint64_t> version_;    // [n_layer][n_slots]: tick_ at the row's last write (0: never written, still zeros)
  uint64_t tick_ = 0;
  StorageId id_;
};

}  // namespace sinkstream::backend
