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
  w.output_norm = t.vector("gpt_neox.final_layer_norm.weight", D);
  w.output_norm_b = t.vector("gpt_neox.final_layer_norm.bias", D);
  hf::set_output(t, c, w, "embed_out.weight");
  w.layers.resize(static_cast<size_t>(c.n_layer));
  for (int32_t l = 0; l < c.n_layer; ++l) {
    LayerWeights& L = w.layers[static_cast<size_t>(l)];
    auto n = [&](const std::string& rest) { return hf::layer_name("gpt_neox.layers.", l, rest); };
    L.attn_norm = t.vector(n("input_layernorm.weight"), D);
    L.attn_norm_b = t.vector(n("input_layernorm.bias"), D);
    L.ffn_norm = t.vector(n("post_attention_layernorm.weight"), D);
    L.ffn_norm_b = t.vector(n("post_attention_layernorm.bias"), D);
    const hf::Qkv wm = hf::split_per_head_qkv(t, n("attention.query_key_value.weight"), c.n_head, c.head_dim, D,
                                              false);
    L.wq = wm.q;
    L.wk = wm.k;
    L.wv = wm.v;
    if (t.has(n("attention.query_key_value.bias"))) {
      const hf::Qkv b = hf::split_per_head_qkv(t, n("attention.query_key_value.bias"), c.n_head, c.head_dim, 1,
                                               true);
      L.bq = b.q;
      L.bk = b.k;
      L.bv = b.v;
    }
    L.wo = t.matrix(n("attention.dense.weight"), D, c.q_dim());
    L.bo = t.optional_vector(n("attention.dense.bias"), D);
    L.ffn_up = t.matrix(n("mlp.dense_h_to_4h.weight"), F, D);
    L.ffn_up_b = t.optional_vector(n("mlp.dense_h_to_4h.bias"), F);
    L.ffn_down = t.matrix(n("mlp.dense_4h_to_h.weight"), D, F);
    L.ffn_down_b = t.optional_vector(n("mlp.dense_4h_to_h.bias"), D);
  }
}

}  // namespace sinkstream
