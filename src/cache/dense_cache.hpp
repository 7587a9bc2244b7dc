// dense: every token stays; slot == absolute position; keys rotated at their
// absolute position. Grows on demand (doubling), so it can run past the trained
// context when asked to (the ppl baseline).
#pragma once

#include <cstdint>

#include "cache/kv_cache.hpp"

namespace sinkstream {

class DenseCache final : public KvCache {
 public:
  DenseCache(int32_t n_layer, int32_t kv_dim, int32_t initial_slots, bool f16 = false);
  // Slots held after n_tokens appends: initial_slots, doubled (as append does) until they fit.
  static int64_t slot_count(int32_t initial_slots, int64_t n_tokens);
  KvPlacement append(int64_t pos) override;
  void spans(int64_t pos, std::vector<KvSpan>* out) const override;
  void clear() override { n_ = 0; }
  int64_t chunk_limit() const override { return INT64_MAX; }
  int64_t size() const { return n_; }

 protected:
  void save_indices(ByteWriter& w) const override;
  void load_indices(ByteReader& r) override;

 private:
  int64_t n_ = 0;  // tokens held
};

}  // namespace sinkstream
