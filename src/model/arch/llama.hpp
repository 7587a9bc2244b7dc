// The llama entry, and its Hugging Face readers shared by the entries that
// reuse the llama block (qwen2, qwen3): see llama.cpp. Also the block layouts
// the other entries derive theirs from (kLlamaBlock, kNeoxBlock).
#pragma once

#include <string>

#include "model/arch/arch_spec.hpp"

namespace sinkstream::model::arch {

// The llama entry itself (llama2.c checkpoints are llama models).
extern const ArchSpec kLlama;

// The llama block: pre-RMSNorm, SwiGLU, RoPE (adjacent pairs in GGUF), sequential
// residual, biases only where the config turns them on.
inline constexpr BlockLayout kLlamaBlock = {.norm = NormKind::kRms,
                                            .ffn = FfnKind::kSwiGlu,
                                            .positions = PositionKind::kRope,
                                            .gguf_rope_layout = RopeLayout::kInterleaved,
                                            .parallel_residual = false,
                                            .ffn_norm = true,
                                            .qk_norm = false,
                                            .gguf_fused_qkv = false,
                                            .qkv_bias = Bias::kOptional,
                                            .out_bias = Bias::kOptional,
                                            .ffn_bias = Bias::kOptional};

// The GPT-NeoX block, base of the LayerNorm families (gptneox, falcon, gpt2, mpt):
// pre-LayerNorm, exact-GELU FFN, RoPE (halves in GGUF), parallel residual, one fused
// qkv tensor in GGUF, feed-forward biases always.
inline constexpr BlockLayout kNeoxBlock = derive_layout(kLlamaBlock, {.norm = NormKind::kLayer,
                                                                      .ffn = FfnKind::kGeluErf,
                                                                      .gguf_rope_layout = RopeLayout::kHalves,
                                                                      .parallel_residual = true,
                                                                      .gguf_fused_qkv = true,
                                                                      .ffn_bias = Bias::kAlways});

// config.json of llama, mistral, qwen2, qwen3 -> c. c.arch, c.qk_norm and
// always-on q/k/v biases (c.attn_bias) are already set from the entry's layout.
void read_llama_hf_config(const io::JsonFields& f, const std::string& model_type, ModelConfig& c);

// model.layers.N.{self_attn,mlp}.* -> w (no permutation: HF keeps the halves RoPE layout).
void map_llama_hf_tensors(io::HfTensors& t, ModelConfig& c, ModelWeights& w);
// Its parts, for families with the same embeddings and attention (gpt-oss): token embedding,
// final norm, classifier (w.layers sized); and layer l's input norm, q/k/v/o with their biases
// (q/k/v required when c.attn_bias) and the q/k norms when c.qk_norm.
void map_llama_embeddings(io::HfTensors& t, ModelConfig& c, ModelWeights& w);
void map_llama_attention(io::HfTensors& t, const ModelConfig& c, int32_t l, LayerWeights& L);

// The entry of a family that reads its HF config and tensors as llama does (qwen2, qwen3).
constexpr ArchSpec llama_like_entry(std::string_view name, std::span<const std::string_view> hf_model_types,
                                    const BlockLayout& layout) {
  return {.name = name,
          .hf_model_types = hf_model_types,
          .layout = layout,
          .read_hf_config = read_llama_hf_config,
          .map_hf_tensors = map_llama_hf_tensors};
}

}  // namespace sinkstream::model::arch
