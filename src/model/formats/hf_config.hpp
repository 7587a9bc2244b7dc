// Hugging Face config.json -> ModelConfig, through the architecture registry:
// model_type picks the family entry (src/model/arch/), whose reader fills the
// config; the result is then checked for consistency. Both RoPE dialects are
// read (see model/arch/hf_config_helpers.hpp). Errors are sinkstream::Error
// naming the file and the field at fault.
#pragma once

#include <string>

#include "sinkstream/model_config.hpp"

namespace sinkstream::model::formats {

// What the HF loader needs beyond ModelConfig to map tensors.
struct HfConfig {
  std::string model_type;  // config.json "model_type" (e.g. "gpt_neox")
  ModelConfig config;      // arch uses GGUF names: llama, qwen2, qwen3, gptneox, falcon, mpt, gpt2
};

// Parses config.json text; `path` is used in error messages only.
HfConfig parse_hf_config(const std::string& json_text, const std::string& path);

// Reads and parses the file at `path`.
HfConfig load_hf_config(const std::string& path);

}  // namespace sinkstream::model::formats
