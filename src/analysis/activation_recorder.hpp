// ActivationRecorder: a layer hook that keeps the residual stream after every
// layer and reports massive activations (Sun et al. 2024): per layer the
// largest |hidden| values with token position and channel, and their ratio to
// the layer's median |hidden| over all tokens and channels.
// Memory: n_layer * n_tokens * n_embd floats.
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/sink_report.hpp"
#include "sinkstream/probe.hpp"

namespace sinkstream::analysis {

class ActivationRecorder final : public LayerHook {
 public:
  ActivationRecorder(int32_t n_layer, int32_t n_embd, int64_t n_tokens);

  void after_layer(int32_t layer, int64_t pos0, int64_t T, const float* x) override;

  // Per layer the `top` largest |values| (ties: lower position, then channel first).
  std::vector<LayerActivations> finish(int32_t top) const;

 private:
  int32_t n_layer_, n_embd_;
  int64_t n_tokens_;
  std::vector<std::vector<float>> x_;  // [n_layer][n_tokens * n_embd]
};

}  // namespace sinkstream::analysis
