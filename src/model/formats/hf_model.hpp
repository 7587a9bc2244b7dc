// Loads a Hugging Face model folder (config.json + model.safetensors, or a
// sharded model.safetensors.index.json) into a config and weight views, with
// the family entry's tensor mapping. Weights stay memory-mapped where their
// layout allows (see io/hf_tensors.hpp).
#pragma once

#include <string>

#include "model/weights.hpp"
#include "sinkstream/model_config.hpp"

namespace sinkstream::model::formats {

struct HfModel {
  ModelConfig config;
  model::ModelWeights weights;
  std::string model_type;  // config.json "model_type"
};

// Throws sinkstream::Error naming the file, field or tensor at fault.
HfModel load_hf_model(const std::string& folder);

}  // namespace sinkstream::model::formats
