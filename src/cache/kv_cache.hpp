// The KV cache interface that the model code sees. A policy (dense, window,
// sink, discard) decides which slot a new key goes to, the position it is
// rotated at, and which slots a query attends to with which query position.
// The model code never knows the policy.
//
// Storage: K and V, each [n_layer][n_slots][kv_dim] f32, contiguous per layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace sinkstream {

class ByteWriter;
class ByteReader;

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

// Rotates the key heads of one token in place ([n_head_kv * head_dim]) at a position.
using KeyRotator = std::function<void(float* k, int64_t pos)>;

// n as a slot count for KvCache's constructor; throws kRange (naming `what`)
// when it does not fit in int32.
int32_t checked_slot_count(int64_t n, const char* what);

class KvCache {
 public:
  // f16: store K and V as IEEE half floats (halves the cache's memory and traffic).
  KvCache(int32_t n_layer, int32_t kv_dim, int32_t n_slots, bool f16 = false);
  virtual ~KvCache() = default;
  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  // Makes room for the token at absolute stream position `pos` (pos == tokens
  // appended so far), evicting as the policy says. Returns its slot.
  virtual KvPlacement append(int64_t pos) = 0;

  // Stores the key (not yet rotated) and value of a token placed by append();
  // k, v: [kv_dim]. The default rotates the key once at p.rot_pos and copies both.
  virtual void write(int32_t layer, const KvPlacement& p, const float* k, const float* v, const KeyRotator& rotate);

  // How many tokens, starting with the next one, can be appended before their
  // queries are evaluated without any of them losing a key it must see.
  virtual int64_t chunk_limit() const = 0;

  // The spans that the query at absolute position `pos` attends to (its own key
  // included, already appended). Clears `out` first.
  virtual void spans(int64_t pos, std::vector<KvSpan>* out) const = 0;

  // Forgets everything.
  virtual void clear() = 0;

  // Saved sessions: storage (K, V, slot positions) plus the policy's indices.
  void save(ByteWriter& w) const;
  void load(ByteReader& r);

  int32_t n_layer() const { return n_layer_; }
  int32_t kv_dim() const { return kv_dim_; }
  int32_t n_slots() const { return n_slots_; }

  bool is_f16() const { return f16_; }
  // f32 storage (only when !is_f16()): one slot's [kv_dim] key / value.
  float* k(int32_t layer, int32_t slot) { return k_.data() + offset(layer, slot); }
  float* v(int32_t layer, int32_t slot) { return v_.data() + offset(layer, slot); }
  const float* k(int32_t layer, int32_t slot) const { return k_.data() + offset(layer, slot); }
  const float* v(int32_t layer, int32_t slot) const { return v_.data() + offset(layer, slot); }
  // f16 storage (only when is_f16()).
  const uint16_t* k16(int32_t layer, int32_t slot) const { return k16_.data() + offset(layer, slot); }
  const uint16_t* v16(int32_t layer, int32_t slot) const { return v16_.data() + offset(layer, slot); }
  // Position each slot's key was rotated at ([n_slots]).
  const int64_t* slot_pos() const { return slot_pos_.data(); }
  size_t bytes() const { return (k_.size() + v_.size()) * sizeof(float) + (k16_.size() + v16_.size()) * 2; }

 protected:
  // The policy's own indices (ring heads, counters), for save/load.
  virtual void save_indices(ByteWriter& w) const = 0;
  virtual void load_indices(ByteReader& r) = 0;

  // Grows the slot count (keeps contents). Used by the dense cache.
  void resize_slots(int32_t n_slots);
  void set_slot_pos(int32_t slot, int64_t pos) { slot_pos_[static_cast<size_t>(slot)] = pos; }

 private:
  size_t offset(int32_t layer, int32_t slot) const {
    return (static_cast<size_t>(layer) * static_cast<size_t>(n_slots_) + static_cast<size_t>(slot)) *
           static_cast<size_t>(kv_dim_);
  }
  int32_t n_layer_, kv_dim_, n_slots_;
  bool f16_;
  std::vector<float> k_, v_;        // [n_layer][n_slots][kv_dim] when f32
  std::vector<uint16_t> k16_, v16_; // [n_layer][n_slots][kv_dim] when f16
  std::vector<int64_t> slot_pos_;   // [n_slots]
};

}  // namespace sinkstream
