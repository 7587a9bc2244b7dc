// One forward function per architecture family (one file each under src/model/).
// Same contract as forward_chunk() in forward.hpp.
#pragma once

#include "model/forward.hpp"

namespace sinkstream {

#define SINKSTREAM_FAMILY(name)                                                                         \
  void name##_forward(const ModelConfig& c, const ModelWeights& w, cache::KvCache& cache, backend::Backend& be,   \
                      ForwardScratch& s, std::span<const int32_t> tokens, int64_t pos0, float* logits, \
                      bool all_logits)

SINKSTREAM_FAMILY(llama);    // llama, mistral, qwen2 (q/k/v biases), qwen3 (q/k norm): same block
SINKSTREAM_FAMILY(gptneox);  // parallel or sequential residual, partial rotary
SINKSTREAM_FAMILY(falcon);   // Falcon-7B: parallel attention with one LayerNorm, multi-query
SINKSTREAM_FAMILY(mpt);      // ALiBi
SINKSTREAM_FAMILY(gpt2);     // learned positions

#undef SINKSTREAM_FAMILY

}  // namespace sinkstream
