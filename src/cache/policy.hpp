// A cache policy (DESIGN §2): which slot a new token's key goes to and the
// position it is rotated at, which slots each query attends to with which query
// position, how many tokens can be appended before their queries run, and the
// policy's own indices (ring heads, counters) for saved sessions. The rows
// themselves live in a backend::KvStorage that the policy is handed; the model
// code sees neither directly (it calls KvCache, kv_cache.hpp).
//
// One file per policy in this folder, each with its registry entry
// (policy_registry.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "backend/kv_storage.hpp"
#include "backend/kv_view.hpp"

namespace sinkstream::core {
class ByteWriter;
class ByteReader;
}  // namespace sinkstream::core

namespace sinkstream::cache {

using backend::KvPlacement;
using backend::KvSpan;
using backend::KvStorage;

// Rotates the key heads of one token in place ([n_head_kv * head_dim]) at a position.
using KeyRotator = std::function<void(float* k, int64_t pos)>;

// n as a slot count; throws kRange (naming `what`) when it is outside [1, 2^31 - 1].
int32_t checked_slot_count(int64_t n, const char* what);

// Appends to `out` the spans of `count` consecutive tokens stored in a ring of
// `ring` slots starting at slot `ring_begin`, the first of them at slot `first`:
// one span, or two where the run wraps to ring_begin. q_rot_pos of each is `pos`.
void append_ring_spans(int32_t first, int64_t count, int32_t ring_begin, int32_t ring, int64_t pos,
                       std::vector<KvSpan>* out);

class Policy {
 public:
  virtual ~Policy() = default;

  // Slots the storage is created with.
  virtual int32_t initial_slots() const = 0;

  // Makes room for the token at absolute stream position `pos` (pos == tokens
  // appended so far), evicting as the policy says (and growing `kv` when the
  // policy grows). Records the slot's rotation position in kv. Returns the slot.
  virtual KvPlacement append(int64_t pos, KvStorage& kv) = 0;

  // Stores the key (not yet rotated) and value of a token placed by append();
  // k, v: [kv_dim]. The default rotates a copy of the key once at p.rot_pos and
  // stores both.
  virtual void write(KvStorage& kv, int32_t layer, const KvPlacement& p, const float* k, const float* v,
                     const KeyRotator& rotate);

  // How many tokens, starting with the next one, can be appended before their
  // queries are evaluated without any of them losing a key it must see.
  virtual int64_t chunk_limit() const = 0;

  // The spans that the query at absolute position `pos` attends to (its own key
  // included, already appended). Clears `out` first.
  virtual void spans(int64_t pos, std::vector<KvSpan>* out) const = 0;

  // Forgets every token.
  virtual void clear() = 0;

  // Re-computation policies (recompute:W) return W: the session then feeds each
  // token by clearing the cache and re-running the last W tokens from position 0.
  // 0 (the default): tokens are appended once, at their stream position.
  virtual int32_t refeed_window() const { return 0; }

  // Saved sessions: the policy's indices. load_indices validates them against
  // the storage already loaded (kv) and fails through r on anything inconsistent.
  virtual void save_indices(core::ByteWriter& w) const = 0;
  virtual void load_indices(core::ByteReader& r, const KvStorage& kv) = 0;
};

}  // namespace sinkstream::cache
