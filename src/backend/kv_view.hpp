// What the attention kernels read of a KV cache: K and V rows per layer (f32 or
// f16), the position each slot's key was rotated at, and per query the spans of
// slots it attends to. Plain data: the cache policies of src/cache decide the
// slots and spans; kernels never see a policy.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sinkstream::backend {

// A run of consecutive slots [slot_begin, slot_begin + count) that a query scores
// with itself rotated at q_rot_pos (for RoPE) / at distance q_rot_pos - slot_pos (ALiBi).
struct KvSpan {
  int32_t slot_begin = 0;
  int32_t count = 0;
  int64_t q_rot_pos = 0;
};

// Where the key/value of a new token go.
struct KvPlacement {
  int32_t slot = 0;
  int64_t rot_pos = 0;  // position its key is rotated at
};

// A read-only view of KV storage (KvStorage::view()). Valid until the storage
// grows or is destroyed. Rows are [n_layer][n_slots][kv_dim], contiguous per layer.
class KvView {
 public:
  KvView() = default;
  // k, v: [n_layer][n_slots][kv_dim] f32 (f16 == false) or IEEE half (f16 == true);
  // slot_pos: [n_slots].
  KvView(int32_t n_layer, int32_t kv_dim, int32_t n_slots, bool f16, const void* k, const void* v,
         const int64_t* slot_pos)
      : n_layer_(n_layer), kv_dim_(kv_dim), n_slots_(n_slots), f16_(f16), k_(k), v_(v), slot_pos_(slot_pos) {}
  // One layer's rows k, v ([n_slots][kv_dim]) addressed as model layer `layer` (per-layer cache plans:
  // each layer group has its own storage, and kernels index the view by the model's layer).
  static KvView one_layer(int32_t layer, int32_t kv_dim, int32_t n_slots, bool f16, const void* k, const void* v,
                          const int64_t* slot_pos) {
    KvView view(1, kv_dim, n_slots, f16, k, v, slot_pos);
    view.first_layer_ = layer;
    return view;
  }

  int32_t n_layer() const { return n_layer_; }
  int32_t first_layer() const { return first_layer_; }  // the model layer of row 0 (one_layer views)
  int32_t kv_dim() const { return kv_dim_; }
  int32_t n_slots() const { return n_slots_; }
  bool is_f16() const { return f16_; }
  // f32 storage (only when !is_f16()): one slot's [kv_dim] key / value.
  const float* k(int32_t layer, int32_t slot) const { return static_cast<const float*>(k_) + offset(layer, slot); }
  const float* v(int32_t layer, int32_t slot) const { return static_cast<const float*>(v_) + offset(layer, slot); }
  // f16 storage (only when is_f16()).
  const uint16_t* k16(int32_t layer, int32_t slot) const { return static_cast<const uint16_t*>(k_) + offset(layer, slot); }
  const uint16_t* v16(int32_t layer, int32_t slot) const { return static_cast<const uint16_t*>(v_) + offset(layer, slot); }
  // Position each slot's key was rotated at ([n_slots]).
  const int64_t* slot_pos() const { return slot_pos_; }

  // Change tracking for device mirrors (KvStorage): the storage's process-unique
  // id and each row's version ([n_layer][n_slots], indexed like the rows), which
  // moves on every write of that row. 0 / null: untracked (send every row).
  void set_versions(uint64_t storage_id, const uint64_t* version) {
    storage_id_ = storage_id;
    version_ = version;
  }
  uint64_t storage_id() const { return storage_id_; }
  const uint64_t* version(int32_t layer) const {
    return version_ == nullptr ? nullptr
                               : version_ + static_cast<size_t>(layer - first_layer_) * static_cast<size_t>(n_slots_);
  }

 private:
  size_t offset(int32_t layer, int32_t slot) const {
    return (static_cast<size_t>(layer - first_layer_) * static_cast<size_t>(n_slots_) + static_cast<size_t>(slot)) *
           static_cast<size_t>(kv_dim_);
  }
  int32_t n_layer_ = 0, kv_dim_ = 0, n_slots_ = 0;
  int32_t first_layer_ = 0;
  bool f16_ = false;
  const void* k_ = nullptr;         // [n_layer][n_slots][kv_dim]
  const void* v_ = nullptr;         // [n_layer][n_slots][kv_dim]
  const int64_t* slot_pos_ = nullptr;  // [n_slots]
  uint64_t storage_id_ = 0;
  const uint64_t* version_ = nullptr;  // [n_layer][n_slots] or null
};

}  // namespace sinkstream::backend
