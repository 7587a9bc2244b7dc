// Builds the KvCache of a CachePolicy through the policy registry, and the
// slot count it holds (for memory estimates).
//
// The cache plan: layers with a model window W (ModelConfig::layer_window) are
// held under window:W whatever the session's policy, one group per distinct W;
// the other layers follow the session's policy (group 0, possibly empty).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "cache/kv_cache.hpp"
#include "sinkstream/cache_policy.hpp"
#include "sinkstream/model_config.hpp"

namespace sinkstream::cache {

// max_chunk: the largest prefill chunk the caller will append at once.
// Throws sinkstream::Error when the model cannot use the policy (learned
// absolute positions with a policy that shifts positions) or the policy is unknown.
std::unique_ptr<KvCache> make_cache(const ModelConfig& c, const CachePolicy& p, int32_t max_chunk, bool kv_f16);

// One group of a cache plan: the policy and the model layers it holds.
struct PlanGroup {
  CachePolicy policy;
  std::vector<int32_t> layers;  // increasing
};

// The plan of c under p: group 0 = p with the full-attention layers, then window:W
// with the layers of window W, by increasing W.
std::vector<PlanGroup> cache_plan(const ModelConfig& c, const CachePolicy& p);

// Bytes of K and V that make_cache's cache holds after n_tokens tokens (every group).
double cache_bytes(const ModelConfig& c, const CachePolicy& p, int32_t max_chunk, int64_t n_tokens, bool kv_f16);

// Slots (K and V rows per layer) that make_cache's cache holds after n_tokens
// tokens (only dense grows with n_tokens), for a layer under policy p alone.
int64_t cache_slots(const ModelConfig& c, const CachePolicy& p, int32_t max_chunk, int64_t n_tokens);

}  // namespace sinkstream::cache
