// An independent, plain llama forward pass for tests: the full causal
// attention over the whole sequence at positions 0..n-1, straight loops over
// the f32 weights, no cache classes and no backend code. Slow (O(n^2)) and simple.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "sinkstream/model.hpp"

namespace sinkstream::test {

// Returns logits [n][n_vocab] for every position of `tokens`.
std::vector<float> plain_llama_logits(const Model& model, std::span<const int32_t> tokens);

// What plain_llama_run() records or changes. Learned sink logits and
// softmax-off-by-one enter the softmax denominator as one extra logit.
struct PlainProbe {
  // When set and true for (layer, head, query position q, key position k), the
  // key is left out of that head's softmax for that query.
  std::function<bool(int32_t layer, int32_t head, size_t q, size_t k)> removed;
  // When non-null, filled with the full attention matrices:
  // attention[layer * n_head + head][q * n + k] (0 for k > q or removed keys),
  // extra[layer * n_head + head][q] = probability of the extra sink logit.
  std::vector<std::vector<double>>* attention = nullptr;
  std::vector<std::vector<double>>* extra = nullptr;
  // When non-null: hidden[layer][t * n_embd + i], the residual stream after each layer;
  // keys / values[layer][t * kv_dim + i] (keys after RoPE).
  std::vector<std::vector<float>>* hidden = nullptr;
  std::vector<std::vector<float>>* keys = nullptr;
  std::vector<std::vector<float>>* values = nullptr;
};

// plain_llama_logits() with the probe's recordings and masks.
std::vector<float> plain_llama_run(const Model& model, std::span<const int32_t> tokens, const PlainProbe& probe);

}  // namespace sinkstream::test
