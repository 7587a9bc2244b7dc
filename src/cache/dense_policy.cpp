#include "cache/dense_policy.hpp"

#include <algorithm>
#include <limits>

#include "cache/policy_registry.hpp"
#include "core/byte_stream.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::cache {

DensePolicy::DensePolicy(int32_t initial_slots)
    : initial_slots_(checked_slot_count(slot_count(initial_slots, 0), "dense cache")) {}

int64_t DensePolicy::slot_count(int32_t initial_slots, int64_t n_tokens) {
  int64_t s = initial_slots > 0 ? initial_slots : 1;
  while (s < n_tokens) s *= 2;
  return s;
}

int32_t DensePolicy::initial_slots_for(int32_t n_ctx_train) { return std::max(64, std::min(n_ctx_train, 4096)); }

KvPlacement DensePolicy::append(int64_t pos, KvStorage& kv) {
  if (pos != n_) {
    throw Error(ErrorKind::kInvalidArg, "dense cache: token at position " + std::to_string(pos) +
                                            " appended after " + std::to_string(n_) + " tokens");
  }
  if (n_ >= kv.n_slots()) {
    const int64_t want = static_cast<int64_t>(kv.n_slots()) * 2;
    if (want > std::numeric_limits<int32_t>::max()) {
      throw Error(ErrorKind::kRange, "dense cache: more than 2^31 tokens; use a sink or window policy");
    }
    kv.resize_slots(static_cast<int32_t>(want));
  }
  const int32_t slot = static_cast<int32_t>(n_++);
  kv.set_slot_pos(slot, pos);
  return {slot, pos};
}

void DensePolicy::spans(int64_t pos, std::vector<KvSpan>* out) const {
  out->clear();
  out->push_back({0, static_cast<int32_t>(pos + 1), pos});
}

void DensePolicy::save_indices(core::ByteWriter& w) const { w.put<int64_t>(n_); }

void DensePolicy::load_indices(core::ByteReader& r, const KvStorage& kv) {
  n_ = r.get<int64_t>("cache index n");
  if (n_ < 0 || n_ > kv.n_slots()) r.fail("dense cache token count out of range");
}

namespace {

int64_t dense_slots(std::span<const int32_t>, const PolicySetting& s, int64_t n_tokens) {
  return DensePolicy::slot_count(DensePolicy::initial_slots_for(s.n_ctx_train), n_tokens);
}

int64_t dense_live_keys(std::span<const int32_t>, int64_t pos) { return pos; }

std::unique_ptr<Policy> make_dense(std::span<const int32_t>, const PolicySetting& s) {
  return std::make_unique<DensePolicy>(DensePolicy::initial_slots_for(s.n_ctx_train));
}

}  // namespace

extern const PolicyEntry kDensePolicyEntry = {
    "dense", "dense", "every earlier token (memory grows with the stream)", 0, {}, false,
    dense_slots, dense_live_keys, make_dense,
};

}  // namespace sinkstream::cache
