// Helpers the family entries use to map Hugging Face tensors onto ModelWeights
// (named after GGUF's tensors): fused q/k/v splits, norms, two-matrix FFNs and
// the classifier. Every shape is checked; errors name the archive and tensor.
#pragma once

#include <string>

#include "io/hf_tensors.hpp"
#include "model/weights.hpp"
#include "sinkstream/model_config.hpp"

namespace sinkstream::model::arch {

// w.output: `lm_head` when the archive has it (c.tied_embeddings = false), else
// the token embedding (c.tied_embeddings = true).
void set_output(io::HfTensors& t, ModelConfig& c, model::ModelWeights& w, const std::string& lm_head);

// Splits a fused projection whose rows are laid out [n_head][3][head_dim] (q, k, v
// of each head together) into q, k, v of (n_head * head_dim, cols) each.
// `bias`: the tensor is the fused bias [3 * n_head * head_dim] instead.
struct Qkv {
  core::TensorView q, k, v;
};
Qkv split_per_head_qkv(io::HfTensors& t, const std::string& name, int32_t n_head, int32_t head_dim, int64_t cols,
                       bool bias);

// L.wq, L.wk, L.wv from a fused projection `weight` laid out [n_head][3][head_dim]
// (cols columns), and L.bq, L.bk, L.bv from the fused `bias` when the archive has it.
void set_per_head_qkv(io::HfTensors& t, model::LayerWeights& L, const std::string& weight, const std::string& bias,
                      int32_t n_head, int32_t head_dim, int64_t cols);

// L.wq, L.wk, L.wv from a fused projection `weight` stacked [q rows; k rows; v rows]
// ((q_rows + 2 * kv_rows, cols)), and the biases from `bias` when the archive has it.
void set_stacked_qkv(io::HfTensors& t, model::LayerWeights& L, const std::string& weight, const std::string& bias,
                     int64_t q_rows, int64_t kv_rows, int64_t cols);

// A norm `prefix`.weight [n] and its `prefix`.bias [n] (required or optional).
void set_norm(io::HfTensors& t, core::TensorView& weight, core::TensorView& bias, const std::string& prefix, int64_t n,
              bool bias_required);

// Two-matrix feed-forward: L.ffn_up = `up`.weight (F, D), L.ffn_down = `down`.weight
// (D, F), each with its .bias when the archive has it.
void set_up_down_ffn(io::HfTensors& t, model::LayerWeights& L, const std::string& up, const std::string& down, int64_t D,
                     int64_t F);

// Elements [off, off + n) of an f32 vector view, sharing its storage.
core::TensorView vector_slice(const core::TensorView& v, int64_t off, int64_t n, const std::string& name);

inline std::string layer_name(const std::string& prefix, int32_t l, const std::string& rest) {
  return prefix + std::to_string(l) + "." + rest;
}

}  // namespace sinkstream::model::arch
