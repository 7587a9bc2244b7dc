// Engine-internal access to what a Model holds beyond its public API: the
// weight views the forward pass reads and the GGUF-style vocabulary that
// convert/quantize write. Code outside the engine and the lab uses Model's
// public methods only.
#pragma once

#include <memory>

#include "backend/weight_cache.hpp"
#include "model/weights.hpp"
#include "sinkstream/model.hpp"
#include "tokenizer/vocab_data.hpp"

namespace sinkstream::api {

struct ModelAccess {
  static const model::ModelWeights& weights(const Model& m);
  // The vocabulary as GGUF tokenizer metadata, or null when unknown.
  static const tokenizer::VocabData* vocab(const Model& m);
  // The cache every backend of this model shares (backend/weight_cache.hpp).
  static std::shared_ptr<backend::WeightCache> weight_cache(const Model& m);
};

}  // namespace sinkstream::api
