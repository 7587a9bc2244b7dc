// Sink rate (Gu et al., ICLR 2025): the fraction of (layer, head) pairs whose
// mean attention on the first token exceeds epsilon.
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/sink_report.hpp"

namespace sinkstream::analysis {

struct SinkRate {
  std::vector<double> per_layer;  // [n_layer]
  double overall = 0;
};

// heads: [n_layer * n_head] (HeadAttention::first_mass non-empty).
SinkRate sink_rate(const std::vector<HeadAttention>& heads, int32_t n_layer, int32_t n_head, double epsilon);

// True when the head counts as a sink head: first_mass[0] > epsilon.
bool is_sink_head(const HeadAttention& h, double epsilon);

}  // namespace sinkstream::analysis
