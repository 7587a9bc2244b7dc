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

void gptneox_forward(const ModelConfig& c, const ModelWeights& w, KvCache& cache, ThreadPool& pool,
                     ForwardScratch& s, std::span<const int32_t> tokens, int64_t pos0, float* logits,
                     bool all_logits) {
  const int64_t T = static_cast<int64_t>(tokens.size());
  if (T == 0) return;
  blocks::prepare_chunk(c, cache, s, pos0, T);
  blocks::embed(c, w, s, tokens);
  for (int32_t l = 0; l < c.n_layer; ++l) {
    const LayerWeights& L = w.layers[static_cast<size_t>(l)];
    if (c.parallel_residual) blocks::parallel_layer(c, L, l, cache, pool, s, T);
    else blocks::sequential_layer(c, L, l, cache, pool, s, T);
    blocks::after_layer(s, l, pos0, T);
  }
  if (logits == nullptr) return;
  blocks::output_logits(c, w, pool, s, T, all_logits ? 0 : T - 1, logits);
}

}  // namespace sinkstream
