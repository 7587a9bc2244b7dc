// An independent, plain llama forward pass for tests: the full causal
// attention over the whole sequence at positions 0..n-1, straight loops over
// the f32 weights, no cache classes and no backend code. Slow (O(n^2)) and simple.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sinkstream/model.hpp"

namespace sinkstream::test {

// Returns logits [n][n_vocab] for every position of `tokens`.
std::vector<float> plain_llama_logits(const Model& model, std::span<const int32_t> tokens);

}  // namespace sinkstream::test
