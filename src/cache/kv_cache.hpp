// The KV cache a session owns and the model code feeds: K/V storage
// (backend::KvStorage) plus the cache policy that places tokens in it. The
// model code never knows the policy: it appends a chunk, writes each token's
// key/value, asks each query's spans and hands view() to the attention kernel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "backend/kv_storage.hpp"
#include "backend/kv_view.hpp"
#include "cache/policy.hpp"

namespace sinkstream::cache {

class KvCache {
 public:
  // Storage of policy->initial_slots() slots; f16: K and V stored as IEEE half floats.
  KvCache(std::unique_ptr<Policy> policy, int32_t n_layer, int32_t kv_dim, bool f16 = false);
  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  // See Policy for each of these.
  KvPlacement append(int64_t pos) { return policy_->append(pos, storage_); }
  void write(int32_t layer, const KvPlacement& p, const float* k, const float* v, const KeyRotator& rotate) {
    policy_->write(storage_, layer, p, k, v, rotate);
  }
  int64_t chunk_limit() const { return policy_->chunk_limit(); }
  void spans(int64_t pos, std::vector<KvSpan>* out) const { policy_->spans(pos, out); }
  void clear() { policy_->clear(); }
  int32_t refeed_window() const { return policy_->refeed_window(); }

  // What the attention kernels read; valid until the next append().
  backend::KvView view() const { return storage_.view(); }
  const KvStorage& storage() const { return storage_; }
  const Policy& policy() const { return *policy_; }
  size_t bytes() const { return storage_.bytes(); }

  // Saved sessions: storage (shape, rows, slot positions), then the policy's indices.
  void save(core::ByteWriter& w) const;
  void load(core::ByteReader& r);

 private:
  std::unique_ptr<Policy> policy_;
  KvStorage storage_;
};

}  // namespace sinkstream::cache
