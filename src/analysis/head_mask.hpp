// HeadMask: an attention probe for causal ablation. For every selected
// (layer, head) and every query at position >= K, the keys at positions < K
// are removed before the softmax (the rest renormalize). Queries at positions
// < K, which see only those keys, are left alone. Positions as in
// AttentionRecorder (dense cache: slot positions are stream positions).
#pragma once

#include <cstdint>
#include <vector>

#include "backend/attention_probe.hpp"

namespace sinkstream::sinks {

class HeadMask final : public backend::AttentionProbe {
 public:
  // selected: [n_layer * n_head], true where the head is ablated.
  HeadMask(int32_t n_head, int32_t first, std::vector<bool> selected);

  void mask(const backend::AttentionArgs& a, const backend::QueryView& qv, int32_t h, float* scores,
            size_t n) const override;

 private:
  int32_t n_head_, first_;
  std::vector<bool> selected_;
};

}  // namespace sinkstream::sinks
