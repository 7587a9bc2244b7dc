// One forward function per architecture family (one file each under src/model/).
// Same contract as forward_chunk() in forward.hpp.
#pragma once

#include "model/forward.hpp"

namespace sinkstream {

#define SINKSTREAM_FAMILY(name)                                                                         \
  void name##_forward(const ModelConfig& c, const ModelWeights& w, KvCache& cache, ThreadPool& pool,   \
                      ForwardScratch& s, std::span<const int32_t> tokens, int64_t pos0, float* logits, \
                      bool all_logits)

SINKSTREAM_FAMILY(llama);

#undef SINKSTREAM_FAMILY

}  // namespace sinkstream
