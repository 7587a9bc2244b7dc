// An optional observer of the residual stream after each layer (analysis:
// massive activations). Normal runs set none (ForwardScratch::layer_hook).
#pragma once

#include <cstdint>

namespace sinkstream {

class LayerHook {
 public:
  virtual ~LayerHook() = default;
  // After layer `layer` of a chunk: x [T][n_embd] is the residual stream of the
  // tokens at positions pos0 .. pos0+T-1. Called on the forward's thread.
  virtual void after_layer(int32_t layer, int64_t pos0, int64_t T, const float* x) = 0;
};

}  // namespace sinkstream
