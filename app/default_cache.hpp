// The cache `generate` uses when --cache is not given.
#pragma once

#include "sinkstream/cache_policy.hpp"
#include "sinkstream/model.hpp"

namespace sinkstream::cli {

// Context length assumed for a model whose file states none (an HF config
// without max_position_embeddings); the GGUF reader's default too.
inline constexpr int32_t kAssumedContext = 2048;

// sink:4:W with W = trained context - 4, so generation never stops for lack of
// room. Without a trained context, W comes from kAssumedContext and a one-line
// note on stderr says so and names --cache.
CachePolicy default_generate_cache(const Model& model);

}  // namespace sinkstream::cli
