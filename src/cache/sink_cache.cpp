#include "cache/sink_cache.hpp"

#include <algorithm>

#include "io/byte_stream.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {

SinkCache::SinkCache(int32_t n_layer, int32_t kv_dim, int32_t sinks, int32_t window, int32_t max_chunk, bool f16)
    : KvCache(n_layer, kv_dim, checked_slot_count(slot_count(sinks, window, max_chunk), "sink cache"), f16),
      sinks_(sinks),
      window_(window),
      max_chunk_(max_chunk),
      ring_(window + max_chunk - 1) {
  if (sinks < 0 || window < 1 || max_chunk < 1) {
    throw Error(ErrorKind::kInvalidArg, "sink cache: need S >= 0, W >= 1 and chunk >= 1");
  }
}

int32_t SinkCache::ring_slot(int64_t pos) const {
  return sinks_ + static_cast<int32_t>((pos - sinks_) % ring_);
}

KvPlacement SinkCache::append(int64_t pos) {
  if (pos != n_) {
    throw Error(ErrorKind::kInvalidArg, "sink cache: token at position " + std::to_string(pos) + " appended after " +
                                            std::to_string(n_) + " tokens");
  }
  ++n_;
  const int32_t slot = pos < sinks_ ? static_cast<int32_t>(pos) : ring_slot(pos);
  set_slot_pos(slot, pos);
  return {slot, pos};
}

void SinkCache::spans(int64_t t, std::vector<KvSpan>* out) const {
  out->clear();
  const int64_t n_sink = std::min<int64_t>(sinks_, t + 1);
  if (n_sink > 0) {
    const int64_t q_in_cache = std::min<int64_t>(t, static_cast<int64_t>(sinks_) + window_ - 1);
    out->push_back({0, static_cast<int32_t>(n_sink), q_in_cache});
  }
  const int64_t lo = std::max<int64_t>(sinks_, t - window_ + 1);
  if (lo > t) return;
  int32_t first = ring_slot(lo);
  int64_t left = t - lo + 1;
  while (left > 0) {
    const int64_t run = std::min<int64_t>(left, static_cast<int64_t>(sinks_) + ring_ - first);
    out->push_back({first, static_cast<int32_t>(run), t});
    left -= run;
    first = sinks_;
  }
}

void SinkCache::save_indices(ByteWriter& w) const {
  w.put<int64_t>(n_);
}

void SinkCache::load_indices(ByteReader& r) {
  n_ = r.get<int64_t>("cache index n");
  if (n_ < 0) r.fail("negative token count in cache state");
}

}  // namespace sinkstream
