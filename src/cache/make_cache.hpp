// Builds the KvCache of a CachePolicy through the policy registry, and the
// slot count it holds (for memory estimates).
#pragma once

#include <cstdint>
#include <memory>

#include "cache/kv_cache.hpp"
#include "sinkstream/cache_policy.hpp"
#include "sinkstream/model_config.hpp"

namespace sinkstream::cache {

// max_chunk: the largest prefill chunk the caller will append at once.
// Throws sinkstream::Error when the model cannot use the policy (learned
// absolute positions with a policy that shifts positions) or the policy is unknown.
std::unique_ptr<KvCache> make_cache(const ModelConfig& c, const CachePolicy& p, int32_t max_chunk, bool kv_f16);

// Slots (K and V rows per layer) that make_cache's cache holds after n_tokens
// tokens (only dense grows with n_tokens).
int64_t cache_slots(const ModelConfig& c, const CachePolicy& p, int32_t max_chunk, int64_t n_tokens);

}  // namespace sinkstream::cache
