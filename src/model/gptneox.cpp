// The GPT-NeoX family (Pythia, GPT-NeoX-20B, StableLM-alpha): LayerNorm with
// biases, fused-at-source q/k/v with biases, partial rotary embedding (the first
// n_rot dims of each head, halves layout), exact-GELU feed-forward, untied
// classifier, parallel or sequential residual.
//
//   x = embed(tokens)
//   parallel:   for each layer: x += Attn(LN1(x)) + GELU-FFN(LN2(x))
//   sequential: for each layer: x += Attn(LN1(x)); x += GELU-FFN(LN2(x))
//   logits = Output(LN(x))
#include "model/blocks.hpp"
#include "model/families.hpp"

namespace sinkstream {

void gptneox_forward(const ModelConfig& c, const ModelWeights& w, cache::KvCache& cache, backend::Backend& be, ForwardScratch& s,
                     std::span<const int32_t> tokens, int64_t pos0, float* logits, bool all_logits) {
  blocks::decoder_forward(c, w, cache, be, s, tokens, pos0, logits, all_logits,
                          c.parallel_residual ? blocks::Residual::kParallel : blocks::Residual::kSequential);
}

}  // namespace sinkstream
