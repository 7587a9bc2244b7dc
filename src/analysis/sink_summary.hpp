// The readable text summary of `sinkstream sinks`: the stream, the top sink
// heads, sink rate, the largest activations, K/V norms of the first token and,
// with ablation, the most sink-dependent heads.
#pragma once

#include <string>

#include "analysis/sink_report.hpp"

namespace sinkstream::analysis {

// top: how many heads each ranking lists.
std::string sink_summary(const SinkReport& r, int top = 8);

}  // namespace sinkstream::analysis
