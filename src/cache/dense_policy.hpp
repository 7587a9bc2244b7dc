// dense: every token stays; slot == absolute position; keys rotated at their
// absolute position. Grows on demand (doubling), so it can run past the trained
// context when asked to (the ppl baseline).
#pragma once

#include <cstdint>

#include "cache/policy.hpp"

namespace sinkstream::cache {

class DensePolicy : public Policy {
 public:
  explicit DensePolicy(int32_t initial_slots);
  // Slots held after n_tokens appends: initial_slots, doubled (as append does) until they fit.
  static int64_t slot_count(int32_t initial_slots, int64_t n_tokens);
  // Where a model's dense cache starts: its trained context, clamped to 64..4096 slots.
  static int32_t initial_slots_for(int32_t n_ctx_train);

  int32_t initial_slots() const override { return initial_slots_; }
  KvPlacement append(int64_t pos, KvStorage& kv) override;
  void spans(int64_t pos, std::vector<KvSpan>* out) const override;
  void clear() override { n_ = 0; }
  int64_t chunk_limit() const override { return INT64_MAX; }
  int64_t size() const { return n_; }
  void save_indices(core::ByteWriter& w) const override;
  void load_indices(core::ByteReader& r, const KvStorage& kv) override;

 private:
  int32_t initial_slots_;
  int64_t n_ = 0;  // tokens held
};

}  // namespace sinkstream::cache
