#include "cache/discard_policy.hpp"

#include <algorithm>

#include "cache/policy_registry.hpp"
#include "core/byte_stream.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::cache {

DiscardPolicy::DiscardPolicy(int32_t keep, int32_t discard) : keep_(keep), discard_(discard), ring_(0) {
  checked_slot_count(slot_count(keep, discard), "discard cache");
  if (keep < 0 || discard < 1) throw Error(ErrorKind::kInvalidArg, "discard cache: need KEEP >= 0 and N >= 1");
  ring_ = 2 * discard;
  head_ = keep;
}

void DiscardPolicy::clear() {
  n_ = 0;
  head_ = keep_;
  shifted_ = 0;
}

int64_t DiscardPolicy::chunk_limit() const {
  const int64_t held = n_ <= keep_ ? n_ : keep_ + (n_ - head_);
  if (held >= capacity()) return discard_;  // the first append discards, then N fit
  return capacity() - held;
}

KvPlacement DiscardPolicy::append(int64_t pos, KvStorage& kv) {
  if (pos != n_) {
    throw Error(ErrorKind::kInvalidArg, "discard cache: token at position " + std::to_string(pos) +
                                            " appended after " + std::to_string(n_) + " tokens");
  }
  if (pos < keep_) {
    ++n_;
    kv.set_slot_pos(static_cast<int32_t>(pos), pos);
    return {static_cast<int32_t>(pos), pos};
  }
  const int64_t held = keep_ + (n_ - head_);
  if (held >= capacity()) {
    head_ += discard_;
    shifted_ += discard_;
  }
  ++n_;
  const int32_t slot = keep_ + static_cast<int32_t>((pos - keep_) % ring_);
  kv.set_slot_pos(slot, pos);
  return {slot, pos};
}

void DiscardPolicy::spans(int64_t t, std::vector<KvSpan>* out) const {
  out->clear();
  const int64_t n_keep = std::min<int64_t>(keep_, t + 1);
  if (n_keep > 0) out->push_back({0, static_cast<int32_t>(n_keep), t - shifted_});
  if (t < keep_) return;
  int64_t lo = head_;
  const int32_t first = keep_ + static_cast<int32_t>((lo - keep_) % ring_);
  append_ring_spans(first, t - lo + 1, keep_, ring_, t, out);
}

void DiscardPolicy::save_indices(core::ByteWriter& w) const {
  w.put<int64_t>(n_);
  w.put<int64_t>(head_);
  w.put<int64_t>(shifted_);
}

void DiscardPolicy::load_indices(core::ByteReader& r, const KvStorage& kv) {
  n_ = r.get<int64_t>("cache index n");
  head_ = r.get<int64_t>("cache index head");
  shifted_ = r.get<int64_t>("cache index shifted");
  if (n_ < 0) r.fail("negative token count in cache state");
  const bool ok = (n_ <= keep_ && head_ == keep_ && shifted_ == 0) ||
                  (n_ > keep_ && head_ >= keep_ && head_ <= n_ && n_ - head_ <= ring_ && shifted_ == head_ - keep_);
  if (!ok) r.fail("discard cache indices are inconsistent");
  if (kv.n_slots() != capacity()) r.fail("discard cache slot count " + std::to_string(kv.n_slots()) + " is not " + std::to_string(capacity()));
}

namespace {

int64_t discard_slots(std::span<const int32_t> a, const PolicySetting&, int64_t) {
  return DiscardPolicy::slot_count(a[0], a[1]);
}
// At most the KEEP + 2N tokens the cache holds.
int64_t discard_live_keys(std::span<const int32_t> a, int64_t pos) {
  return std::min<int64_t>(pos, DiscardPolicy::slot_count(a[0], a[1]));
}
std::unique_ptr<Policy> make_discard(std::span<const int32_t> a, const PolicySetting&) {
  return std::make_unique<DiscardPolicy>(a[0], a[1]);
}

}  // namespace

extern const PolicyEntry kDiscardPolicyEntry = {
    "discard", "discard:KEEP:N",
    "llama.cpp context shift: KEEP + 2N tokens; when full, the N oldest after the first KEEP are dropped at once", 2,
    {{{"KEEP", 0}, {"N", 1}}}, true,
    discard_slots, discard_live_keys, make_discard,
};

}  // namespace sinkstream::cache
