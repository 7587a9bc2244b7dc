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

#include "cache/kv_cache.hpp"

namespace sinkstream {

class SinkCache final : public KvCache {
 public:
  // Slots: the sinks, then a ring of window + max_chunk - 1.
  static int64_t slot_count(int32_t sinks, int32_t window, int32_t max_chunk) {
    return int64_t{sinks} + window + max_chunk - 1;
  }
  SinkCache(int32_t n_layer, int32_t kv_dim, int32_t sinks, int32_t window, int32_t max_chunk, bool f16 = false);
  KvPlacement append(int64_t pos) override;
  void spans(int64_t pos, std::vector<KvSpan>* out) const override;
  void clear() override { n_ = 0; }
  int64_t chunk_limit() const override { return max_chunk_; }

  int32_t sinks() const { return sinks_; }
  int32_t window() const { return window_; }
  int64_t tokens_seen() const { return n_; }

 protected:
  void save_indices(ByteWriter& w) const override;
  void load_indices(ByteReader& r) override;

 private:
  int32_t ring_slot(int64_t pos) const;
  int32_t sinks_, window_, max_chunk_, ring_;
  int64_t n_ = 0;  // tokens appended so far
};

}  // namespace sinkstream
