#include "cache/discard_cache.hpp"

#include <algorithm>

#include "io/byte_stream.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {

DiscardCache::DiscardCache(int32_t n_layer, int32_t kv_dim, int32_t keep, int32_t discard, bool f16)
    : KvCache(n_layer, kv_dim, checked_slot_count(slot_count(keep, discard), "discard cache"), f16), keep_(keep), discard_(discard), ring_(2 * discard) {
  if (keep < 0 || discard < 1) throw Error(ErrorKind::kInvalidArg, "discard cache: need KEEP >= 0 and N >= 1");
  head_ = keep;
}

void DiscardCache::clear() {
  n_ = 0;
  head_ = keep_;
  shifted_ = 0;
}

int64_t DiscardCache::chunk_limit() const {
  const int64_t held = n_ <= keep_ ? n_ : keep_ + (n_ - head_);
  if (held >= capacity()) return discard_;  // the first append discards, then N fit
  return capacity() - held;
}

KvPlacement DiscardCache::append(int64_t pos) {
  if (pos != n_) {
    throw Error(ErrorKind::kInvalidArg, "discard cache: token at position " + std::to_string(pos) +
                                            " appended after " + std::to_string(n_) + " tokens");
  }
  if (pos < keep_) {
    ++n_;
    set_slot_pos(static_cast<int32_t>(pos), pos);
    return {static_cast<int32_t>(pos), pos};
  }
  const int64_t held = keep_ + (n_ - head_);
  if (held >= capacity()) {
    head_ += discard_;
    shifted_ += discard_;
  }
  ++n_;
  const int32_t slot = keep_ + static_cast<int32_t>((pos - keep_) % ring_);
  set_slot_pos(slot, pos);
  return {slot, pos};
}

void DiscardCache::spans(int64_t t, std::vector<KvSpan>* out) const {
  out->clear();
  const int64_t n_keep = std::min<int64_t>(keep_, t + 1);
  if (n_keep > 0) out->push_back({0, static_cast<int32_t>(n_keep), t - shifted_});
  if (t < keep_) return;
  int64_t lo = head_;
  int32_t first = keep_ + static_cast<int32_t>((lo - keep_) % ring_);
  int64_t left = t - lo + 1;
  while (left > 0) {
    const int64_t run = std::min<int64_t>(left, static_cast<int64_t>(keep_) + ring_ - first);
    out->push_back({first, static_cast<int32_t>(run), t});
    left -= run;
    first = keep_;
  }
}

void DiscardCache::save_indices(ByteWriter& w) const {
  w.put<int64_t>(n_);
  w.put<int64_t>(head_);
  w.put<int64_t>(shifted_);
}

void DiscardCache::load_indices(ByteReader& r) {
  n_ = r.get<int64_t>("cache index n");
  head_ = r.get<int64_t>("cache index head");
  shifted_ = r.get<int64_t>("cache index shifted");
  if (n_ < 0) r.fail("negative token count in cache state");
  const bool ok = (n_ <= keep_ && head_ == keep_ && shifted_ == 0) ||
                  (n_ > keep_ && head_ >= keep_ && head_ <= n_ && n_ - head_ <= ring_ && shifted_ == head_ - keep_);
  if (!ok) r.fail("discard cache indices are inconsistent");
}

}  // namespace sinkstream
