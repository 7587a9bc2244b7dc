// The deliberately naive StreamingLLM reference of the cache issue: keys are
// cached BEFORE RoPE, the whole cache is re-rotated at in-cache positions
// 0..n-1 at every step, and eviction erases entries from the front of vectors
// (the torch.cat style). Plugs into the same forward pass as a cache policy
// (cache::KvCache(std::make_unique<NaivePolicy>(...), ...)), one token at a
// time (chunk_limit 1).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cache/kv_cache.hpp"
#include "cache/policy.hpp"
#include "sinkstream/cache_policy.hpp"
#include "sinkstream/model.hpp"
#include "sinkstream/model_config.hpp"
#include "sinkstream/session.hpp"

namespace sinkstream::test {

class NaivePolicy final : public cache::Policy {
 public:
  // policy: window:W, sink:S:W or discard:KEEP:N (anything else never evicts).
  NaivePolicy(int32_t n_layer, const CachePolicy& policy);
  int32_t initial_slots() const override { return 16; }
  cache::KvPlacement append(int64_t pos, cache::KvStorage& kv) override;
  void write(cache::KvStorage& kv, int32_t layer, const cache::KvPlacement& p, const float* k, const float* v,
             const cache::KeyRotator& rotate) override;
  void spans(int64_t pos, std::vector<cache::KvSpan>* out) const override;
  void clear() override;
  int64_t chunk_limit() const override { return 1; }
  void save_indices(core::ByteWriter&) const override;
  void load_indices(core::ByteReader&, const cache::KvStorage&) override;

 private:
  CachePolicy policy_;
  std::vector<int64_t> held_;                         // absolute positions of retained tokens, oldest first
  std::vector<std::vector<std::vector<float>>> raw_k_, raw_v_;  // [layer][i][kv_dim], unrotated
};

// A KvCache of the model's shape over a NaivePolicy.
std::unique_ptr<cache::KvCache> make_naive_cache(const ModelConfig& c, const CachePolicy& policy);

// Largest |fast - naive| over all logits, where naive feeds ids one token at a time through the
// model's forward pass on make_naive_cache(policy) and fast is [ids.size()][n_vocab].
float max_diff_from_naive(const Model& m, const CachePolicy& policy, std::span<const int32_t> ids,
                          const std::vector<float>& fast);

// Options of the streaming tests: `policy`, prefill chunks of `batch`, 2 threads.
SessionOptions session_options(const std::string& policy, int32_t batch);

// Logits [ids.size()][n_vocab] of a Session on `policy`, fed in chunks of `batch`, 2 threads.
std::vector<float> session_logits(const std::shared_ptr<const Model>& m, const std::string& policy, int32_t batch,
                                  std::span<const int32_t> ids);

// A policy as a gtest parameter name: "sink:4:60" -> "sink_4_60".
std::string policy_test_name(std::string policy);

}  // namespace sinkstream::test
