// window:W and sink:S:W (window is sink with S = 0), docs/design.md §2.
//
// Slots [0, S) hold the first S tokens (sinks) for ever; slots [S, S + R) are a
// ring of R = W + max_chunk - 1 slots holding the most recent tokens, so a chunk
// of up to max_chunk tokens can be appended before its queries run and each
// query still finds the keys in [t - W + 1, t]. Eviction is the ring index
// moving on: no copy, no re-rotation.
//
// Positions: every key is rotated once at its absolute position (the sinks'
// absolute positions 0..S-1 are also their in-cache positions). The query at t
// is rotated at t for the window and at its in-cache position min(t, S + W - 1)
// for the sinks, which reproduces StreamingLLM's re-rotated cache exactly.
#pragma once

#include "cache/policy.hpp"

namespace sinkstream::cache {

class SinkPolicy final : public Policy {
 public:
  // Slots: the sinks, then a ring of window + max_chunk - 1.
  static int64_t slot_count(int32_t sinks, int32_t window, int32_t max_chunk) {
    return int64_t{sinks} + window + max_chunk - 1;
  }
  // Throws kInvalidArg on S < 0, W < 1 or max_chunk < 1, kRange when the slots overflow int32.
  SinkPolicy(int32_t sinks, int32_t window, int32_t max_chunk);

  int32_t initial_slots() const override { return slots_; }
  KvPlacement append(int64_t pos, KvStorage& kv) override;
  void spans(int64_t pos, std::vector<KvSpan>* out) const override;
  void clear() override { n_ = 0; }
  int64_t chunk_limit() const override { return max_chunk_; }
  void save_indices(core::ByteWriter& w) const override;
  void load_indices(core::ByteReader& r, const KvStorage& kv) override;

  int32_t sinks() const { return sinks_; }
  int32_t window() const { return window_; }
  int64_t tokens_seen() const { return n_; }

 private:
  int32_t ring_slot(int64_t pos) const;
  int32_t sinks_, window_, max_chunk_, ring_, slots_;
  int64_t n_ = 0;  // tokens appended so far
};

}  // namespace sinkstream::cache
