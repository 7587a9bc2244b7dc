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

void falcon_forward(const ModelConfig& c, const ModelWeights& w, cache::KvCache& cache, backend::Backend& be, ForwardScratch& s,
                    std::span<const int32_t> tokens, int64_t pos0, float* logits, bool all_logits) {
  // The layer has no ffn_norm: parallel_layer feeds the FFN the attention's LN output.
  blocks::decoder_forward(c, w, cache, be, s, tokens, pos0, logits, all_logits, blocks::Residual::kParallel);
}

}  // namespace sinkstream
