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

void gpt2_forward(const ModelConfig& c, const ModelWeights& w, KvCache& cache, ThreadPool& pool, ForwardScratch& s,
                  std::span<const int32_t> tokens, int64_t pos0, float* logits, bool all_logits) {
  const int64_t T = static_cast<int64_t>(tokens.size());
  if (T == 0) return;
  blocks::prepare_chunk(c, cache, s, pos0, T);
  blocks::embed(c, w, s, tokens);
  blocks::add_learned_positions(c, w, s, pos0, T);
  for (int32_t l = 0; l < c.n_layer; ++l) {
    blocks::sequential_layer(c, w.layers[static_cast<size_t>(l)], l, cache, pool, s, T);
    blocks::after_layer(s, l, pos0, T);
  }
  if (logits == nullptr) return;
  blocks::output_logits(c, w, pool, s, T, all_logits ? 0 : T - 1, logits);
}

}  // namespace sinkstream
