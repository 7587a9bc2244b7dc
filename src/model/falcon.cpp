// The Falcon family, Falcon-7B layout: one LayerNorm per layer feeding both the
// attention and the feed-forward in parallel, multi-query attention (one K/V
// head), full-width RoPE (halves layout), exact-GELU feed-forward, tied
// classifier.
//
//   x = embed(tokens)
//   for each layer: h = LN(x); x += Attn(h) + GELU-FFN(h)
//   logits = Output(LN(x))
#include "model/blocks.hpp"
#include "model/families.hpp"

namespace sinkstream {

void falcon_forward(const ModelConfig& c, const ModelWeights& w, KvCache& cache, ThreadPool& pool,
                    ForwardScratch& s, std::span<const int32_t> tokens, int64_t pos0, float* logits,
                    bool all_logits) {
  const int64_t T = static_cast<int64_t>(tokens.size());
  if (T == 0) return;
  blocks::prepare_chunk(c, cache, s, pos0, T);
  blocks::embed(c, w, s, tokens);
  for (int32_t l = 0; l < c.n_layer; ++l) {
    // The layer has no ffn_norm: parallel_layer feeds the FFN the attention's LN output.
    blocks::parallel_layer(c, w.layers[static_cast<size_t>(l)], l, cache, pool, s, T);
    blocks::after_layer(s, l, pos0, T);
  }
  if (logits == nullptr) return;
  blocks::output_logits(c, w, pool, s, T, all_logits ? 0 : T - 1, logits);
}

}  // namespace sinkstream
