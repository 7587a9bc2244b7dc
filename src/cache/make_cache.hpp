// Builds the KvCache of a CachePolicy through the policy registry, and the
// slot count it holds (for memory estimates).
//
// The cache plan: the tighter of the model's window and the session's policy
// wins. A layer with a model window W (ModelConfig::layer_window) is held under
// window:W (one group per distinct W) when the session's policy would keep more
// than W keys (dense; sink:S:W' with S + W' > W; ...); otherwise, like every
// full-attention layer, it follows the session's policy (group 0, possibly
// empty). So `dense` on Mistral or Gemma matches transformers (each windowed
// layer keeps its window), and `sink:4:252` on Mistral (window 4096) keeps 256
// tokens per layer, as StreamingLLM does, instead of 4096.
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

// The plan of c under p: group 0 = p with the full-attention layers and the windowed
// layers whose window p does not exceed, then window:W with the other layers of
// window W, by increasing W.
std::vector<PlanGroup> cache_plan(const ModelConfig& c, const CachePolicy& p);

// Bytes of K and V that make_cache's cache holds after n_tokens tokens (every group).
double cache_bytes(const ModelConfig& c, const CachePolicy& p, int32_t max_chunk, int64_t n_tokens, bool kv_f16);

// Slots (K and V rows per layer) that make_cache's cache holds after n_tokens
// tokens (only dense grows with n_tokens), for a layer under policy p alone.
int64_t cache_slots(const ModelConfig& c, const CachePolicy& p, int32_t max_chunk, int64_t n_tokens);

}  // namespace sinkstream::cache
