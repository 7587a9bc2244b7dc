#include "cache/sink_policy.hpp"

#include <algorithm>

#include "cache/policy_registry.hpp"
#include "core/byte_stream.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::cache {

SinkPolicy::SinkPolicy(int32_t sinks, int32_t window, int32_t max_chunk)
    : sinks_(sinks),
      window_(window),
      max_chunk_(max_chunk),
      ring_(window + max_chunk - 1),
      slots_(checked_slot_count(slot_count(sinks, window, max_chunk), "sink cache")) {
  if (sinks < 0 || window < 1 || max_chunk < 1) {
    throw Error(ErrorKind::kInvalidArg, "sink cache: need S >= 0, W >= 1 and chunk >= 1");
  }
}

int32_t SinkPolicy::ring_slot(int64_t pos) const {
  return sinks_ + static_cast<int32_t>((pos - sinks_) % ring_);
}

KvPlacement SinkPolicy::append(int64_t pos, KvStorage& kv) {
  if (pos != n_) {
    throw Error(ErrorKind::kInvalidArg, "sink cache: token at position " + std::to_string(pos) + " appended after " +
                                            std::to_string(n_) + " tokens");
  }
  ++n_;
  const int32_t slot = pos < sinks_ ? static_cast<int32_t>(pos) : ring_slot(pos);
  kv.set_slot_pos(slot, pos);
  return {slot, pos};
}

void SinkPolicy::spans(int64_t t, std::vector<KvSpan>* out) const {
  out->clear();
  const int64_t n_sink = std::min<int64_t>(sinks_, t + 1);
  if (n_sink > 0) {
    const int64_t q_in_cache = std::min<int64_t>(t, static_cast<int64_t>(sinks_) + window_ - 1);
    out->push_back({0, static_cast<int32_t>(n_sink), q_in_cache});
  }
  const int64_t lo = std::max<int64_t>(sinks_, t - window_ + 1);
  if (lo > t) return;
  append_ring_spans(ring_slot(lo), t - lo + 1, sinks_, ring_, t, out);
}

void SinkPolicy::save_indices(core::ByteWriter& w) const { w.put<int64_t>(n_); }

void SinkPolicy::load_indices(core::ByteReader& r, const KvStorage& kv) {
  n_ = r.get<int64_t>("cache index n");
  if (n_ < 0) r.fail("negative token count in cache state");
  if (kv.n_slots() != slots_) r.fail("sink cache slot count " + std::to_string(kv.n_slots()) + " is not " + std::to_string(slots_));
}

namespace {

// window:W is sink:0:W.
int64_t window_slots(std::span<const int32_t> a, const PolicySetting& s, int64_t) {
  return SinkPolicy::slot_count(0, a[0], s.max_chunk);
}
int64_t window_live_keys(std::span<const int32_t> a, int64_t pos) { return std::min<int64_t>(pos, a[0]); }
std::unique_ptr<Policy> make_window(std::span<const int32_t> a, const PolicySetting& s) {
  return std::make_unique<SinkPolicy>(0, a[0], s.max_chunk);
}

int64_t sink_slots(std::span<const int32_t> a, const PolicySetting& s, int64_t) {
  return SinkPolicy::slot_count(a[0], a[1], s.max_chunk);
}
int64_t sink_live_keys(std::span<const int32_t> a, int64_t pos) {
  return std::min<int64_t>(pos, int64_t{a[0]} + a[1]);
}
std::unique_ptr<Policy> make_sink(std::span<const int32_t> a, const PolicySetting& s) {
  return std::make_unique<SinkPolicy>(a[0], a[1], s.max_chunk);
}

}  // namespace

extern const PolicyEntry kWindowPolicyEntry = {
    "window", "window:W", "the W most recent tokens, the current one included", 1, {{{"window size W", 1}}}, true,
    window_slots, window_live_keys, make_window,
};

extern const PolicyEntry kSinkPolicyEntry = {
    "sink", "sink:S:W", "the S first tokens (attention sinks) + the W most recent, the current one included", 2,
    {{{"sink count S", 0}, {"window size W", 1}}}, true,
    sink_slots, sink_live_keys, make_sink,
};

}  // namespace sinkstream::cache
