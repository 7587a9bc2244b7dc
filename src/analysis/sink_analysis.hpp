// analyze_sinks: every measurement of `sinkstream sinks` over one token stream
// (attention mass, sink rate, massive activations, K/V norms, and with
// `ablate` the per-head causal ablation). One baseline pass with the recorders,
// then, with ablate, n_layer * n_head + 1 masked passes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "analysis/sink_report.hpp"
#include "sinkstream/model.hpp"

namespace sinkstream::analysis {

struct SinkOptions {
  int32_t first = 4;          // K: the first key positions measured / removed (>= 1)
  double epsilon = 0.3;       // sink-rate threshold on first-token mass, in (0, 1)
  bool ablate = false;
  int32_t top_activations = 5;  // largest |hidden| values reported per layer
  int32_t threads = 0;          // 0 = all cores
  std::string source;           // where the stream came from (reported)
  // Optional: called after each pass (done of total passes).
  std::function<void(int64_t done, int64_t total)> progress;
};

// tokens: the whole stream ([n], n > first), analysed with the dense cache at
// positions 0..n-1. Throws sinkstream::Error for bad options or ids.
SinkReport analyze_sinks(const std::shared_ptr<const Model>& model, std::span<const int32_t> tokens,
                         const SinkOptions& options);

}  // namespace sinkstream::analysis
