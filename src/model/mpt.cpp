// The MPT family (MPT-7B/30B): LayerNorm without biases, ALiBi instead of
// position embeddings (slopes from alibi_max_bias), no linear biases,
// exact-GELU feed-forward, tied classifier.
//
//   x = embed(tokens)
//   for each layer: x += Attn_alibi(LN1(x)); x += GELU-FFN(LN2(x))
//   logits = Output(LN(x))
#include "model/blocks.hpp"
#include "model/families.hpp"

namespace sinkstream {

void mpt_forward(const ModelConfig& c, const ModelWeights& w, cache::KvCache& cache, backend::Backend& be, ForwardScratch& s,
                 std::span<const int32_t> tokens, int64_t pos0, float* logits, bool all_logits) {
  blocks::decoder_forward(c, w, cache, be, s, tokens, pos0, logits, all_logits, blocks::Residual::kSequential);
}

}  // namespace sinkstream
