// The GPT-2 family: learned absolute position embeddings (so only dense and
// recompute caches are meaningful, within n_ctx_train), LayerNorm with biases,
// biased projections, tanh-GELU feed-forward, tied classifier.
//
//   x = embed(tokens) + pos_embed(positions)
//   for each layer: x += Attn(LN1(x)); x += GELU-FFN(LN2(x))
//   logits = Output(LN(x))
#include "model/blocks.hpp"
#include "model/families.hpp"

namespace sinkstream {

void gpt2_forward(const ModelConfig& c, const ModelWeights& w, cache::KvCache& cache, backend::Backend& be, ForwardScratch& s,
                  std::span<const int32_t> tokens, int64_t pos0, float* logits, bool all_logits) {
  // Learned positions are added by decoder_forward (c.positions == kLearned).
  blocks::decoder_forward(c, w, cache, be, s, tokens, pos0, logits, all_logits, blocks::Residual::kSequential);
}

}  // namespace sinkstream
