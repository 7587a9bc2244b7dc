// forward_chunk: the shared decoder skeleton with the residual layout the
// config gives. Every loader starts the config from its family's block layout
// (model/arch/registry.hpp, config_from_layout), so ModelConfig::parallel_residual
// is already the family's answer (GPT-NeoX may turn it off per model); nothing
// here looks the architecture up again per chunk.
#include "model/blocks.hpp"

namespace sinkstream::model {

void forward_chunk(const ModelConfig& c, const ModelWeights& w, cache::KvCache& cache, backend::Backend& be,
                   ForwardScratch& s, std::span<const int32_t> tokens, int64_t pos0, float* logits,
                   bool all_logits) {
  blocks::decoder_forward(c, w, cache, be, s, tokens, pos0, logits, all_logits,
                          c.parallel_residual ? blocks::Residual::kParallel : blocks::Residual::kSequential);
}

}  // namespace sinkstream::model
