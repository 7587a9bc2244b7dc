// Key and value norms of the first K tokens against the median token, per
// layer and K/V head (the "low-distortion value" side of attention sinks),
// read from a dense f32 cache after the stream has been fed (slot == position).
// Keys are stored rotated; RoPE preserves norms.
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/sink_report.hpp"
#include "backend/kv_view.hpp"
#include "sinkstream/model_config.hpp"

namespace sinkstream::sinks {

// Rows [n_layer * n_head_kv]. Throws Error(kInvalidArg) for an f16 cache or a
// cache with fewer than n_tokens slots.
std::vector<HeadKvNorms> kv_norms(const ModelConfig& c, const backend::KvView& cache, int64_t n_tokens, int32_t first);

}  // namespace sinkstream::sinks
