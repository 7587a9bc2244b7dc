// Dispatch from the architecture name to its family's forward function.
#include <string>

#include "model/families.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {

void forward_chunk(const ModelConfig& c, const ModelWeights& w, cache::KvCache& cache, backend::Backend& be,
                   ForwardScratch& s, std::span<const int32_t> tokens, int64_t pos0, float* logits,
                   bool all_logits) {
  if (c.arch == "llama" || c.arch == "mistral" || c.arch == "qwen2" || c.arch == "qwen3") {
    llama_forward(c, w, cache, be, s, tokens, pos0, logits, all_logits);
    return;
  }
  if (c.arch == "gptneox") return gptneox_forward(c, w, cache, be, s, tokens, pos0, logits, all_logits);
  if (c.arch == "falcon") return falcon_forward(c, w, cache, be, s, tokens, pos0, logits, all_logits);
  if (c.arch == "mpt") return mpt_forward(c, w, cache, be, s, tokens, pos0, logits, all_logits);
  if (c.arch == "gpt2") return gpt2_forward(c, w, cache, be, s, tokens, pos0, logits, all_logits);
  throw Error(ErrorKind::kUnsupported, "architecture '" + c.arch + "' has no forward pass in this build");
}

}  // namespace sinkstream
