// forward_chunk: the architecture entry's layout, as resolved in the config
// (ModelConfig::parallel_residual), picks the residual layout of the shared
// decoder skeleton; everything else the blocks read from the config.
#include "model/arch/registry.hpp"
#include "model/blocks.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {

void forward_chunk(const ModelConfig& c, const ModelWeights& w, KvCache& cache, ThreadPool& pool,
                   ForwardScratch& s, std::span<const int32_t> tokens, int64_t pos0, float* logits,
                   bool all_logits) {
  if (model::arch::find_gguf_arch(c.arch) == nullptr) {
    throw Error(ErrorKind::kUnsupported, "architecture '" + c.arch + "' has no forward pass in this build (" +
                                             model::arch::known_gguf_names() + ")");
  }
  const blocks::Residual r = c.parallel_residual ? blocks::Residual::kParallel : blocks::Residual::kSequential;
  blocks::decoder_forward(c, w, cache, pool, s, tokens, pos0, logits, all_logits, r);
}

}  // namespace sinkstream
