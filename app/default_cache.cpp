#include "default_cache.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

namespace sinkstream::cli {

CachePolicy default_generate_cache(const Model& model) {
  int32_t ctx = model.config().n_ctx_train;
  if (ctx <= 0) {
    ctx = kAssumedContext;
    std::fprintf(stderr,
                 "sinkstream: note: %s states no trained context (max_position_embeddings); assuming %d, so "
                 "--cache sink:4:%d (pass --cache to choose)\n",
                 model.path().c_str(), static_cast<int>(ctx), static_cast<int>(ctx - 4));
  }
  return CachePolicy::parse("sink:4:" + std::to_string(std::max(1, ctx - 4)));
}

}  // namespace sinkstream::cli
