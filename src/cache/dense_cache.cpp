#include "cache/dense_cache.hpp"

#include <limits>

#include "io/byte_stream.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {

DenseCache::DenseCache(int32_t n_layer, int32_t kv_dim, int32_t initial_slots, bool f16)
    : KvCache(n_layer, kv_dim, checked_slot_count(slot_count(initial_slots, 0), "dense cache"), f16) {}

int64_t DenseCache::slot_count(int32_t initial_slots, int64_t n_tokens) {
  int64_t s = initial_slots > 0 ? initial_slots : 1;
  while (s < n_tokens) s *= 2;
  return s;
}

KvPlacement DenseCache::append(int64_t pos) {
  if (pos != n_) {
    throw Error(ErrorKind::kInvalidArg, "dense cache: token at position " + std::to_string(pos) +
                                            " appended after " + std::to_string(n_) + " tokens");
  }
  if (n_ >= n_slots()) {
    const int64_t want = static_cast<int64_t>(n_slots()) * 2;
    if (want > std::numeric_limits<int32_t>::max()) {
      throw Error(ErrorKind::kRange, "dense cache: more than 2^31 tokens; use a sink or window policy");
    }
    resize_slots(static_cast<int32_t>(want));
  }
  const int32_t slot = static_cast<int32_t>(n_++);
  set_slot_pos(slot, pos);
  return {slot, pos};
}

void DenseCache::spans(int64_t pos, std::vector<KvSpan>* out) const {
  out->clear();
  out->push_back({0, static_cast<int32_t>(pos + 1), pos});
}

void DenseCache::save_indices(ByteWriter& w) const {
  w.put<int64_t>(n_);
}

void DenseCache::load_indices(ByteReader& r) {
  n_ = r.get<int64_t>("cache index n");
  if (n_ < 0 || n_ > n_slots()) r.fail("dense cache token count out of range");
}

}  // namespace sinkstream
