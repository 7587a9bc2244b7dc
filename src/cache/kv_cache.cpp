#include "cache/kv_cache.hpp"

#include <utility>

#include "core/byte_stream.hpp"

namespace sinkstream::cache {

KvCache::KvCache(std::unique_ptr<Policy> policy, int32_t n_layer, int32_t kv_dim, bool f16)
    : policy_(std::move(policy)), storage_(n_layer, kv_dim, policy_->initial_slots(), f16) {}

void KvCache::save(core::ByteWriter& w) const {
  storage_.save(w);
  policy_->save_indices(w);
}

void KvCache::load(core::ByteReader& r) {
  storage_.load(r);
  policy_->load_indices(r, storage_);
}

}  // namespace sinkstream::cache
