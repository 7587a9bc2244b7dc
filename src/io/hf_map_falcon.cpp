// falcon tensors (Falcon-7B layout):
//   transformer.word_embeddings.weight (V, D), lm_head.weight (V, D) unless tied
//   transformer.ln_f.{weight,bias} [D]
//   transformer.h.N.input_layernorm.{weight,bias} [D]   (the one norm of a parallel block)
//   transformer.h.N.self_attention.query_key_value.weight:
//       multi-query: ((n_head + 2) * head_dim, D) = [q heads][k][v]
//       otherwise:   (3 * D, D) = [n_head][3][head_dim]
//   transformer.h.N.self_attention.dense.weight (D, D)
//   transformer.h.N.mlp.dense_h_to_4h.weight (F, D), mlp.dense_4h_to_h.weight (D, F)
//   (+ .bias of each linear layer when config "bias" is true)
#include "io/hf_map.hpp"

namespace sinkstream {

void hf_map_falcon(HfTensors& t, ModelConfig& c, ModelWeights& w) {
  const int64_t D = c.n_embd, F = c.n_ff, QD = c.q_dim(), KVD = c.kv_dim();
  w.tok_embd = t.matrix("transformer.word_embeddings.weight", c.n_vocab, D);
  hf::set_norm(t, w.output_norm, w.output_norm_b, "transformer.ln_f", D, true);
  hf::set_output(t, c, w, "lm_head.weight");
  const bool mq = c.n_head_kv == 1 && c.n_head > 1;
  w.layers.resize(static_cast<size_t>(c.n_layer));
  for (int32_t l = 0; l < c.n_layer; ++l) {
    LayerWeights& L = w.layers[static_cast<size_t>(l)];
    auto n = [&](const std::string& rest) { return hf::layer_name("transformer.h.", l, rest); };
    hf::set_norm(t, L.attn_norm, L.attn_norm_b, n("input_layernorm"), D, true);
    const std::string qkv = n("self_attention.query_key_value.weight");
    const std::string qkv_b = n("self_attention.query_key_value.bias");
    if (mq) hf::set_stacked_qkv(t, L, qkv, qkv_b, QD, KVD, D);
    else hf::set_per_head_qkv(t, L, qkv, qkv_b, c.n_head, c.head_dim, D);
    L.wo = t.matrix(n("self_attention.dense.weight"), D, QD);
    L.bo = t.optional_vector(n("self_attention.dense.bias"), D);
    hf::set_up_down_ffn(t, L, n("mlp.dense_h_to_4h"), n("mlp.dense_4h_to_h"), D, F);
    // No ffn_norm: the parallel block feeds the FFN the input_layernorm output.
  }
}

}  // namespace sinkstream
