// Weight views of a loaded model, named after GGUF's tensor names. Optional
// tensors (biases, q/k norms, position embeddings) are empty views when absent.
// All matrices are (out, in) row-major; see core/tensor.hpp.
#pragma once

#include <memory>
#include <vector>

#include "core/tensor.hpp"

namespace sinkstream::model {

struct LayerWeights {
  core::TensorView attn_norm, attn_norm_b;  // [n_embd]
  core::TensorView wq, wk, wv, wo;          // (q_dim, n_embd), (kv_dim, n_embd) x2, (n_embd, q_dim)
  core::TensorView bq, bk, bv, bo;          // optional biases
  core::TensorView q_norm, k_norm;          // optional per-head norms [head_dim]
  core::TensorView attn_sinks;              // optional learned sink logit per head [n_head] (gpt-oss style), f32
  core::TensorView attn_gate;               // optional head-wise output gate (n_head, n_embd) (sinklab "gate")
  core::TensorView attn_post_norm;          // optional [n_embd]: norm of the attention output before the residual add (Gemma)
  core::TensorView ffn_norm, ffn_norm_b;    // [n_embd]
  core::TensorView ffn_post_norm;           // optional [n_embd]: norm of the feed-forward output before the add (Gemma)
  core::TensorView ffn_gate, ffn_up;        // (n_ff, n_embd); gate only for SwiGLU
  core::TensorView ffn_down;                // (n_embd, n_ff)
  core::TensorView ffn_up_b, ffn_down_b;    // optional biases
  // Mixture of experts (ModelConfig::n_expert = E > 0; F = n_ff, D = n_embd). Expert e's matrix is
  // rows [e*F, (e+1)*F) of the gate/up stacks and rows [e*D, (e+1)*D) of the down stack (GGUF's 3-D
  // [D, F, E] / [F, D, E] tensors as 2-D row stacks), its biases the matching slices.
  core::TensorView ffn_gate_inp, ffn_gate_inp_b;    // router (E, D) and its bias [E]
  core::TensorView ffn_gate_exps, ffn_up_exps;      // (E * F, D)
  core::TensorView ffn_down_exps;                   // (E * D, F)
  core::TensorView ffn_gate_exps_b, ffn_up_exps_b;  // [E * F]
  core::TensorView ffn_down_exps_b;                 // [E * D]
};

struct ModelWeights {
  core::TensorView tok_embd;                  // (n_vocab, n_embd)
  core::TensorView pos_embd;                  // (n_ctx_train, n_embd), learned positions only
  core::TensorView sink_token_embd;           // [n_embd] f32: a learned sink token placed at stream position 0
  core::TensorView output_norm, output_norm_b;// [n_embd]
  core::TensorView output;                    // (n_vocab, n_embd); == tok_embd when tied
  std::vector<LayerWeights> layers;     // [n_layer]
  std::vector<std::shared_ptr<const void>> owners;  // keep mapped files / buffers alive
};

}  // namespace sinkstream::model
