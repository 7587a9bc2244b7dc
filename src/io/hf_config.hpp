// Hugging Face config.json -> ModelConfig for the families sinkstream runs:
// llama, mistral, qwen2, qwen3, gpt_neox, falcon, mpt, gpt2.
//
// Both config dialects are read:
//   older: top-level rope_theta / rotary_emb_base, rope_scaling {type|rope_type, factor, ...},
//          rotary_pct / partial_rotary_factor
//   newer (transformers 5): rope_parameters {rope_type, rope_theta, factor, ...,
//          partial_rotary_factor}
// rope_parameters wins over the top-level keys when both are present.
// Errors are sinkstream::Error naming the file and the field at fault.
#pragma once

#include <string>

#include "sinkstream/model_config.hpp"

namespace sinkstream {

// What the HF loader needs beyond ModelConfig to map tensors.
struct HfConfig {
  std::string model_type;  // config.json "model_type" (e.g. "gpt_neox")
  ModelConfig config;      // arch uses GGUF names: llama, qwen2, qwen3, gptneox, falcon, mpt, gpt2
};

// Parses config.json text; `path` is used in error messages only.
HfConfig parse_hf_config(const std::string& json_text, const std::string& path);

// Reads and parses the file at `path`.
HfConfig load_hf_config(const std::string& path);

}  // namespace sinkstream
