// A llama2.c checkpoint (io/llama2c_file.hpp) as a llama-family config and
// weight views into the mapped file: pre-RMSNorm, SwiGLU, full-width RoPE with
// adjacent pairs (RopeLayout::kInterleaved), theta 10000, eps 1e-5.
#pragma once

#include <memory>

#include "io/mapped_file.hpp"
#include "model/weights.hpp"
#include "sinkstream/model_config.hpp"

namespace sinkstream::model::formats {

struct Llama2cCheckpoint {
  ModelConfig config;
  model::ModelWeights weights;
};

// Throws sinkstream::Error naming the file and the header field at fault.
Llama2cCheckpoint load_llama2c(std::shared_ptr<const io::MappedFile> file);

}  // namespace sinkstream::model::formats
