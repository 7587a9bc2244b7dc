// Observers a Session can attach for analysis (`sinkstream sinks`, the lab):
// an attention probe that sees, and may mask, every attention softmax, and a
// layer hook that sees the residual stream after every layer. Normal runs
// attach none and pay one pointer test per (query, head) and per layer.
#pragma once

#include <cstdint>
#include <span>

namespace sinkstream {

// One (layer, query, head) softmax as a probe sees it. Keys come in the order
// the cache policy presents them; key_pos[i] is key i's stream position (the
// position its key was rotated at). query_pos is the query's own stream
// position under a cache that keeps it (the largest key position it sees).
struct AttentionSite {
  int32_t layer = 0;
  int32_t head = 0;
  int64_t query_pos = 0;
  std::span<const int64_t> key_pos;  // [n_keys]
};

// Methods are called from worker threads, concurrently for different
// (query, head) pairs of one layer: implementations synchronize their own
// state. A Session with a probe runs attention on its reference path.
class AttentionProbe {
 public:
  virtual ~AttentionProbe() = default;

  // Before the softmax. scores: [n_keys] scaled scores (ALiBi applied); set an
  // entry to -infinity to remove that key. At least one key (or the model's
  // extra sink logit) must remain.
  virtual void mask(const AttentionSite& site, std::span<float> scores) const { (void)site, (void)scores; }

  // After the softmax. p: [n_keys] probabilities in key order; extra: the
  // probability taken by the model's learned / fixed-zero sink logit (0 without one).
  virtual void observe(const AttentionSite& site, std::span<const float> p, double extra) const {
    (void)site, (void)p, (void)extra;
  }
};

// Sees the residual stream after each layer (massive activations).
class LayerHook {
 public:
  virtual ~LayerHook() = default;
  // After layer `layer` of a chunk: x [T][n_embd] is the residual stream of the
  // tokens at stream positions pos0 .. pos0+T-1. Called on the forward's thread.
  virtual void after_layer(int32_t layer, int64_t pos0, int64_t T, const float* x) = 0;
};

}  // namespace sinkstream
