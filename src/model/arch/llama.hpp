// The llama entry, and its Hugging Face readers shared by the entries that
// reuse the llama block (qwen2, qwen3): see llama.cpp.
#pragma once

#include <string>

#include "model/arch/arch_spec.hpp"

namespace sinkstream::model::arch {

// The llama entry itself (llama2.c checkpoints are llama models).
extern const ArchSpec kLlama;

// config.json of llama, mistral, qwen2, qwen3 -> c. c.arch, c.qk_norm and
// always-on q/k/v biases (c.attn_bias) are already set from the entry's layout.
void read_llama_hf_config(const io::JsonFields& f, const std::string& model_type, ModelConfig& c);

// model.layers.N.{self_attn,mlp}.* -> w (no permutation: HF keeps the halves RoPE layout).
void map_llama_hf_tensors(HfTensors& t, ModelConfig& c, ModelWeights& w);

}  // namespace sinkstream::model::arch
