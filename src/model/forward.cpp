// forward_chunk: the architecture entry's block layout picks the residual layout
// of the shared decoder skeleton (parallel when the family's layout is parallel
// and the model uses it: GPT-NeoX sets ModelConfig::parallel_residual per model);
// everything else the blocks read from the config.
#include "model/arch/registry.hpp"
#include "model/blocks.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {

void forward_chunk(const ModelConfig& c, const ModelWeights& w, cache::KvCache& cache, backend::Backend& be,
                   ForwardScratch& s, std::span<const int32_t> tokens, int64_t pos0, float* logits,
                   bool all_logits) {
  const model::arch::ArchSpec* a = model::arch::find_gguf_arch(c.arch);
  if (a == nullptr) {
    throw Error(ErrorKind::kUnsupported, "architecture '" + c.arch + "' has no forward pass in this build (" +
                                             model::arch::known_gguf_names() + ")");
  }
  const bool parallel = a->layout.parallel_residual && c.parallel_residual;
  blocks::decoder_forward(c, w, cache, be, s, tokens, pos0, logits, all_logits,
                          parallel ? blocks::Residual::kParallel : blocks::Residual::kSequential);
}

}  // namespace sinkstream
