// The llama family: pre-RMSNorm blocks, RoPE attention with grouped-query heads,
// SwiGLU feed-forward, tied or separate classifier (Llama 2/3, TinyLlama, SmolLM,
// llama2.c checkpoints).
//
//   x = embed(tokens)
//   for each layer: x += Attn(RMSNorm(x)); x += SwiGLU(RMSNorm(x))
//   logits = Output(RMSNorm(x))
#include "model/blocks.hpp"
#include "model/families.hpp"

namespace sinkstream {

void llama_forward(const ModelConfig& c, const ModelWeights& w, KvCache& cache, ThreadPool& pool,
                   ForwardScratch& s, std::span<const int32_t> tokens, int64_t pos0, float* logits,
                   bool all_logits) {
  const int64_t T = static_cast<int64_t>(tokens.size());
  if (T == 0) return;
  blocks::prepare_chunk(c, cache, s, pos0, T);
  blocks::embed(c, w, s, tokens);
  const int64_t n = T * c.n_embd;
  for (int32_t l = 0; l < c.n_layer; ++l) {
    const LayerWeights& L = w.layers[static_cast<size_t>(l)];
    blocks::norm_rows(c, L.attn_norm, L.attn_norm_b, s.x.data(), s.xb.data(), T);
    blocks::attention_block(c, L, l, cache, pool, s, s.xb.data(), T);
    blocks::add_rows(s.x.data(), s.proj.data(), n);
    blocks::norm_rows(c, L.ffn_norm, L.ffn_norm_b, s.x.data(), s.xb.data(), T);
    blocks::ffn_block(c, L, pool, s, s.xb.data(), T);
    blocks::add_rows(s.x.data(), s.proj.data(), n);
    blocks::after_layer(s, l, pos0, T);
  }
  if (logits == nullptr) return;
  blocks::output_logits(c, w, pool, s, T, all_logits ? 0 : T - 1, logits);
}

}  // namespace sinkstream
