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

void llama_forward(const ModelConfig& c, const ModelWeights& w, cache::KvCache& cache, backend::Backend& be, ForwardScratch& s,
                   std::span<const int32_t> tokens, int64_t pos0, float* logits, bool all_logits) {
  blocks::decoder_forward(c, w, cache, be, s, tokens, pos0, logits, all_logits, blocks::Residual::kSequential);
}

}  // namespace sinkstream
