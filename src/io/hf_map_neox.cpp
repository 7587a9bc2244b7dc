// gpt_neox tensors:
//   gpt_neox.embed_in.weight (V, D), embed_out.weight (V, D) unless tied
//   gpt_neox.final_layer_norm.{weight,bias} [D]
//   gpt_neox.layers.N.{input,post_attention}_layernorm.{weight,bias} [D]
//   gpt_neox.layers.N.attention.query_key_value.{weight (3D, D), bias [3D]}: rows [n_head][3][head_dim]
//   gpt_neox.layers.N.attention.dense.{weight (D, D), bias}
//   gpt_neox.layers.N.mlp.dense_h_to_4h.{weight (F, D), bias}, mlp.dense_4h_to_h.{weight (D, F), bias}
#include "io/hf_map.hpp"

namespace sinkstream {

void hf_map_neox(HfTensors& t, ModelConfig& c, ModelWeights& w) {
  const int64_t D = c.n_embd, F = c.n_ff;
  w.tok_embd = t.matrix("gpt_neox.embed_in.weight", c.n_vocab, D);
  hf::set_norm(t, w.output_norm, w.output_norm_b, "gpt_neox.final_layer_norm", D, true);
  hf::set_output(t, c, w, "embed_out.weight");
  w.layers.resize(static_cast<size_t>(c.n_layer));
  for (int32_t l = 0; l < c.n_layer; ++l) {
    LayerWeights& L = w.layers[static_cast<size_t>(l)];
    auto n = [&](const std::string& rest) { return hf::layer_name("gpt_neox.layers.", l, rest); };
    hf::set_norm(t, L.attn_norm, L.attn_norm_b, n("input_layernorm"), D, true);
    hf::set_norm(t, L.ffn_norm, L.ffn_norm_b, n("post_attention_layernorm"), D, true);
    hf::set_per_head_qkv(t, L, n("attention.query_key_value.weight"), n("attention.query_key_value.bias"),
                         c.n_head, c.head_dim, D);
    L.wo = t.matrix(n("attention.dense.weight"), D, c.q_dim());
    L.bo = t.optional_vector(n("attention.dense.bias"), D);
    hf::set_up_down_ffn(t, L, n("mlp.dense_h_to_4h"), n("mlp.dense_4h_to_h"), D, F);
  }
}

}  // namespace sinkstream
