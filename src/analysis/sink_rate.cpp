#include "analysis/sink_rate.hpp"

namespace sinkstream::analysis {

bool is_sink_head(const HeadAttention& h, double epsilon) {
  return !h.first_mass.empty() && h.first_mass[0] > epsilon;
}

SinkRate sink_rate(const std::vector<HeadAttention>& heads, int32_t n_layer, int32_t n_head, double epsilon) {
  SinkRate r;
  r.per_layer.assign(static_cast<size_t>(n_layer), 0.0);
  int64_t total = 0;
  for (const HeadAttention& h : heads) {
    if (!is_sink_head(h, epsilon)) continue;
    r.per_layer[static_cast<size_t>(h.layer)] += 1.0;
    ++total;
  }
  for (double& v : r.per_layer) v /= static_cast<double>(n_head);
  r.overall = static_cast<double>(total) / (static_cast<double>(n_layer) * static_cast<double>(n_head));
  return r;
}

}  // namespace sinkstream::analysis
