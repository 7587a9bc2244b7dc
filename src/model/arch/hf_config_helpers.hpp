// Helpers the family entries use to read a Hugging Face config.json: GELU
// variants, RoPE in both config dialects, head size. Errors name the file and field.
//
// Both RoPE dialects are read:
//   older: top-level rope_theta / rotary_emb_base, rope_scaling {type|rope_type, factor, ...},
//          rotary_pct / partial_rotary_factor
//   newer (transformers 5): rope_parameters {rope_type, rope_theta, factor, ...,
//          partial_rotary_factor}
// rope_parameters wins over the top-level keys when both are present.
#pragma once

#include <string>

#include "io/json_fields.hpp"
#include "sinkstream/model_config.hpp"

namespace sinkstream::model::arch {

// "gelu" -> exact GELU; "gelu_new", "gelu_pytorch_tanh" -> tanh GELU; else kUnsupported naming `key`.
FfnKind gelu_kind(const io::JsonFields& f, const char* key, const std::string& act);

// RoPE base, scaling and partial rotation (c.positions = kRope, c.rope_layout = kHalves:
// HF keeps q/k rows in the order RoPE "halves" pairs them). c.head_dim must be set.
void read_hf_rope(const io::JsonFields& f, ModelConfig& c, double default_theta, double default_partial);

// c.layer_window from the model's window (0: none) and config.json's layer_types when present
// ("sliding_attention" / "full_attention", one per layer, as transformers 5 writes them), else
// from `sliding(l)`: whether layer l uses the window by the family's rule.
void read_hf_layer_windows(const io::JsonFields& f, ModelConfig& c, int32_t window, bool (*sliding)(int32_t l, int32_t period),
                           int32_t period);

// The usual rules for `sliding`: every layer; every layer but each period-th (Gemma).
inline bool every_layer(int32_t, int32_t) { return true; }
inline bool all_but_each_period_th(int32_t l, int32_t period) { return (l + 1) % period != 0; }

// The sizes of a llama-style config.json: hidden_size, intermediate_size, num_hidden_layers,
// num_attention_heads, num_key_value_heads (default: the heads), head_dim (default
// hidden / heads), vocab_size, max_position_embeddings (0 when absent), rms_norm_eps
// (default `eps`).
void read_hf_llama_sizes(const io::JsonFields& f, ModelConfig& c, double eps);

// head_dim: explicit, else hidden / heads (which must divide).
int32_t hf_head_dim(const io::JsonFields& f, int32_t hidden, int32_t n_head);

}  // namespace sinkstream::model::arch
