// The deliberately naive StreamingLLM reference of the cache issue: keys are
// cached BEFORE RoPE, the whole cache is re-rotated at in-cache positions
// 0..n-1 at every step, and eviction erases entries from the front of vectors
// (the torch.cat style). Plugs into the same forward pass through KvCache, one
// token at a time (chunk_limit 1).
#pragma once

#include <vector>

#include "cache/kv_cache.hpp"
#include "sinkstream/cache_policy.hpp"

namespace sinkstream::test {

class NaiveCache final : public KvCache {
 public:
  NaiveCache(int32_t n_layer, int32_t kv_dim, const CachePolicy& policy);
  KvPlacement append(int64_t pos) override;
  void write(int32_t layer, const KvPlacement& p, const float* k, const float* v, const KeyRotator& rotate) override;
  void spans(int64_t pos, std::vector<KvSpan>* out) const override;
  void clear() override;
  int64_t chunk_limit() const override { return 1; }

 protected:
  void save_indices(ByteWriter&) const override;
  void load_indices(ByteReader&) override;

 private:
  CachePolicy policy_;
  std::vector<int64_t> held_;                         // absolute positions of retained tokens, oldest first
  std::vector<std::vector<std::vector<float>>> raw_k_, raw_v_;  // [layer][i][kv_dim], unrotated
};

}  // namespace sinkstream::test
