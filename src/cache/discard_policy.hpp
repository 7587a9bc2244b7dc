// discard:KEEP:N — llama.cpp-style context shift. The cache holds C = KEEP + 2N
// tokens (llama.cpp's default n_discard = (n_ctx - n_keep) / 2). When it is full
// and a token arrives, the N oldest tokens after the first KEEP are dropped at
// once; the remaining ones close up (their positions shift down by N).
//
// Slots [0, KEEP) hold the kept prefix; the rest is a FIFO ring of C - KEEP
// slots, so a discard is a head-index bump. Keys are rotated at their absolute
// position; since the non-prefix tokens stay contiguous, their distance to the
// query is unchanged by a shift. Only the prefix sees shifted distances: the
// query is rotated at t - shifted for the prefix span.
#pragma once

#include "cache/policy.hpp"

namespace sinkstream::cache {

class DiscardPolicy final : public Policy {
 public:
  // Slots: KEEP kept tokens, then a ring of 2 * N.
  static int64_t slot_count(int32_t keep, int32_t discard) { return int64_t{keep} + 2 * int64_t{discard}; }
  // Throws kRange when the slots overflow int32, kInvalidArg on KEEP < 0 or N < 1.
  DiscardPolicy(int32_t keep, int32_t discard);

  int32_t initial_slots() const override { return capacity(); }
  KvPlacement append(int64_t pos, KvStorage& kv) override;
  void spans(int64_t pos, std::vector<KvSpan>* out) const override;
  void clear() override;
  int64_t chunk_limit() const override;
  void save_indices(core::ByteWriter& w) const override;
  void load_indices(core::ByteReader& r, const KvStorage& kv) override;

  int32_t capacity() const { return keep_ + 2 * discard_; }
  int64_t shifted() const { return shifted_; }

 private:
  int32_t keep_, discard_, ring_;
  int64_t n_ = 0;        // tokens appended so far
  int64_t head_ = 0;     // absolute position of the oldest non-prefix token held
  int64_t shifted_ = 0;  // total positions discarded so far
};

}  // namespace sinkstream::cache
