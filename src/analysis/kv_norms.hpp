// Key and value norms of the first K tokens against the median token, per
// layer and K/V head (the "low-distortion value" side of attention sinks),
// read from a Session's dense cache after the stream has been fed. Keys are
// stored rotated; RoPE preserves norms.
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/sink_report.hpp"
#include "sinkstream/session.hpp"
#include "sinkstream/model_config.hpp"

namespace sinkstream::analysis {

// Rows [n_layer * n_head_kv] over stream positions 0..n_tokens-1, except for the layers whose own
// sliding window (ModelConfig::layer_window) is shorter than the stream: their cache holds only
// the window, so they have no rows. Throws Error(kInvalidArg) when the session's cache no longer
// holds one of the positions in another layer.
std::vector<HeadKvNorms> kv_norms(const ModelConfig& c, const Session& session, int64_t n_tokens, int32_t first);

}  // namespace sinkstream::analysis
