// The list of architecture families (one ArchSpec per file in src/model/arch/)
// and lookups by GGUF general.architecture or Hugging Face model_type. Unknown
// names throw ErrorKind::kUnsupported listing the known ones.
#pragma once

#include <span>
#include <string>

#include "model/arch/arch_spec.hpp"

namespace sinkstream::model::arch {

// Every entry, in the order messages list them.
std::span<const ArchSpec* const> all_archs();

// The entry whose name or GGUF alias is `gguf_name`, or nullptr.
const ArchSpec* find_gguf_arch(const std::string& gguf_name);
// The entry whose HF model_type list holds `model_type`, or nullptr.
const ArchSpec* find_hf_arch(const std::string& model_type);

// As find_gguf_arch, but throws: "<where>architecture 'X' is not supported (known, ...)".
const ArchSpec& gguf_arch(const std::string& gguf_name, const std::string& where = "");

// "llama, mistral, qwen2, ..." (GGUF names and aliases) and "llama, mistral, ..., gpt_neox, ..." (HF model types).
std::string known_gguf_names();
std::string known_hf_model_types();

// A ModelConfig with arch = name and the layout's norm, FFN, positions, RoPE
// layout (the GGUF one), residual and q/k norm.
ModelConfig config_from_layout(const BlockLayout& layout, std::string_view name);

}  // namespace sinkstream::model::arch
