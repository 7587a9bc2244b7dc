// What the Gemma 2 and Gemma 3 entries share (gemma2.cpp, gemma3.cpp): the block
// layout and the Hugging Face readers.
#pragma once

#include <string>

#include "model/arch/arch_spec.hpp"
#include "model/arch/llama.hpp"

namespace sinkstream::model::arch {

// The llama block with GeGLU (tanh GELU gate) and RoPE halves in GGUF (llama.cpp
// converts Gemma without permuting q/k); no biases.
inline constexpr BlockLayout kGemmaBlock = derive_layout(kLlamaBlock, {.ffn = FfnKind::kGeGlu,
                                                                       .gguf_rope_layout = RopeLayout::kHalves,
                                                                       .qkv_bias = Bias::kNone,
                                                                       .out_bias = Bias::kNone,
                                                                       .ffn_bias = Bias::kNone,
                                                                       .post_norms = true});

// config.json -> c, what Gemma 2 and 3 share: sizes, GeGLU, embedding scale sqrt(hidden),
// score scale 1/sqrt(query_pre_attn_scalar), layer windows (layer_types, else every
// layer but each `period`-th), soft-caps where the config sets them. RoPE is the caller's.
void read_gemma_hf_config(const io::JsonFields& f, ModelConfig& c, int32_t period);

// model.layers.N.* -> w, every norm stored as (1 + w) (Gemma's RMSNorm scales by 1 + w,
// llama.cpp's converter bakes the 1 in too): input_layernorm, post_attention_layernorm,
// pre_feedforward_layernorm, post_feedforward_layernorm, q_norm / k_norm (c.qk_norm), model.norm.
void map_gemma_hf_tensors(io::HfTensors& t, ModelConfig& c, ModelWeights& w);

// f32(sqrt(n_embd)), as transformers rounds Gemma's embedding normalizer.
float gemma_embed_scale(const ModelConfig& c);

}  // namespace sinkstream::model::arch
