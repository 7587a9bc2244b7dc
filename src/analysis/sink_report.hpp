// What `sinkstream sinks` measures over one token stream, as plain data. The
// JSON form is documented in docs/sinks.md and docs/sinks.schema.json.
//
// Conventions. The stream is tokens 0..n_tokens-1 at positions 0..n_tokens-1
// (dense cache), or 1..n_tokens after a model's learned sink token at 0.
// K = `first`. Attention statistics average over the queries at positions
// K..n_positions-1 ("queries past the first K"), n_queries of them.
// Heads are indexed [layer * n_head + head]; K/V heads [layer * n_head_kv + kv_head].
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sinkstream::analysis {

struct KeyMass {
  int64_t position = 0;  // key position
  double mass = 0;       // mean attention weight on it
};

struct HeadAttention {
  int32_t layer = 0, head = 0;
  std::vector<double> first_mass;  // [K]: mean weight on key position j < K
  double first_total = 0;          // sum of first_mass
  double entropy = 0;              // mean entropy (nats) of the query's distribution (keys + sink logit)
  std::vector<KeyMass> top;        // the (up to) 3 key positions with the largest mean weight, largest first
  std::optional<double> sink_logit_mass;  // mean probability of the learned / zero sink logit, when the model has one
};

struct Activation {
  int64_t position = 0;  // token position
  int32_t channel = 0;   // hidden-state channel
  double value = 0;      // signed value
  double ratio = 0;      // |value| / the layer's median |value|
};

struct LayerActivations {
  int32_t layer = 0;
  double median_abs = 0;        // median |hidden| over all tokens and channels
  std::vector<Activation> top;  // largest |value| first
};

struct HeadKvNorms {
  int32_t layer = 0, kv_head = 0;
  std::vector<double> key_first, value_first;  // [K]: L2 norms of the first K tokens' key / value
  double key_median = 0, value_median = 0;     // median norm over all n_tokens tokens
};

struct HeadDelta {
  int32_t layer = 0, head = 0;
  double nll = 0;    // mean NLL with this head's first K keys removed
  double delta = 0;  // nll - base_nll
};

struct Ablation {
  double base_nll = 0;              // mean NLL over the n_tokens-1 predictions, nothing removed
  double all_heads_nll = 0;         // every head's first K keys removed at once
  std::vector<HeadDelta> heads;     // [n_layer * n_head] in (layer, head) order
  std::vector<HeadDelta> ranking;   // the same, by delta, largest first
};

struct SinkReport {
  // Model
  std::string model_path, arch;
  int32_t n_layer = 0, n_head = 0, n_head_kv = 0, head_dim = 0, n_embd = 0;
  bool has_sink_logit = false;  // learned per-head sink logits or softmax-off-by-one
  bool has_sink_token = false;  // a learned sink token fed at position 0 (the stream then starts at 1)
  // Stream
  std::string source;
  int64_t n_tokens = 0;     // tokens of the stream
  int64_t n_positions = 0;  // positions analysed: n_tokens, + 1 with a sink token
  int64_t n_queries = 0;    // n_positions - first
  int32_t first = 4;
  double epsilon = 0.3;
  double nll = 0;  // mean NLL (nats) of tokens 1..n_tokens-1, nothing removed
  // Measurements
  std::vector<HeadAttention> heads;  // [n_layer * n_head]
  std::vector<double> sink_rate_per_layer;  // [n_layer]: fraction of heads with first_mass[0] > epsilon
  double sink_rate = 0;                     // over all n_layer * n_head heads
  std::vector<LayerActivations> activations;  // [n_layer], residual stream after each layer
  std::vector<HeadKvNorms> kv_norms;          // [n_layer * n_head_kv]
  std::optional<Ablation> ablation;           // with --ablate
};

}  // namespace sinkstream::analysis
