// Will a cache policy fit? Estimates the K/V bytes a policy's cache needs for a
// stream, before any Session allocates it, so that a too-large W or a dense
// cache over a very long stream is refused with a clear error instead of an
// out-of-memory kill hours later.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "sinkstream/cache_policy.hpp"
#include "sinkstream/model_config.hpp"

namespace sinkstream::eval {

// Bytes of K and V storage the cache of `policy` holds at its largest over a
// stream of n_tokens tokens fed in chunks of `batch` (kv_f16: 2 bytes per value,
// else 4). Slot counts come from the policy registry (src/cache): dense starts
// at the trained context (64..4096 slots) and doubles to hold the whole
// stream, recompute:W holds W, window:W / sink:S:W hold S + W + batch - 1 (the
// band mask's extra room), discard:KEEP:N holds KEEP + 2N. A double, because absurd policies overflow any integer.
double cache_bytes_needed(const ModelConfig& c, const CachePolicy& policy, int64_t n_tokens, int32_t batch,
                          bool kv_f16);

// The cache plan of `policy` for this model, one line per layer group: its layers,
// its policy (window:W for layers with a model window, whatever `policy` is), its
// slots after n_tokens tokens and its K+V bytes, e.g.
//   "layers 1, 3 (2): sink:4:60, 64 slots, 64.00 KiB"
std::string describe_cache_plan(const ModelConfig& c, const CachePolicy& policy, int64_t n_tokens, int32_t batch,
                                bool kv_f16);

// "1.50 GiB": bytes in B, KiB, MiB, GiB or TiB with two decimals.
std::string human_bytes(double bytes);

// Physical memory of this machine (sysconf); 0 if unknown.
size_t physical_memory_bytes();

// Throws Error(kRange) naming the policy, the bytes it needs and the bytes
// available when cache_bytes_needed + extra_bytes exceeds available_bytes
// (0 = unknown: no check).
void check_cache_fits(const ModelConfig& c, const CachePolicy& policy, int64_t n_tokens, int32_t batch, bool kv_f16,
                      double extra_bytes, size_t available_bytes);

}  // namespace sinkstream::eval
