// The mixture-of-experts feed-forward (gpt-oss): route each token to its top-k
// experts, run only those, and batch the chunk's tokens per expert so each
// chosen expert's matrices are read once per chunk (prefill) rather than once
// per token.
#pragma once

#include <cstdint>

#include "model/forward.hpp"

namespace sinkstream::model::blocks {

// s.proj[T][n_embd] = MoE(in[T][n_embd]) for a layer with c.n_expert > 0:
//   logits = router(in) + b  [T][E];  per token the k = c.n_expert_used largest (ties: lower expert first),
//   w = softmax over those k;  proj[t] = sum_j w_j * Expert_{e_j}(in[t]), summed in increasing expert order.
// Row t depends only on in[t]: a chunk gives the bits T single tokens give.
void moe_block(const ModelConfig& c, const LayerWeights& L, backend::Backend& be, ForwardScratch& s, const float* in,
               int64_t T);

// The experts of `L` that tokens in[T] are routed to, with their weights (exposed for tests and the bench):
// experts[t * k + j], weights[t * k + j], j < k = c.n_expert_used, in decreasing router logit.
void route_tokens(const ModelConfig& c, const float* logits, int64_t T, int32_t* experts, float* weights);

}  // namespace sinkstream::model::blocks
