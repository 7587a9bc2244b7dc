// recompute:W — sliding window with re-computation (DESIGN §2, the paper's
// strong, slow baseline): for every token the session clears the cache and
// re-runs the last W tokens from scratch at positions 0..W-1
// (refeed_window() == W). Between refeeds the cache is a dense one of W slots.
#pragma once

#include "cache/dense_policy.hpp"

namespace sinkstream::cache {

class RecomputePolicy final : public DensePolicy {
 public:
  explicit RecomputePolicy(int32_t window) : DensePolicy(window), window_(window) {}
  int32_t refeed_window() const override { return window_; }

 private:
  int32_t window_;
};

}  // namespace sinkstream::cache
