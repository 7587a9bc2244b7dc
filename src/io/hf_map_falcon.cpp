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
  w.output_norm = t.vector("transformer.ln_f.weight", D);
  w.output_norm_b = t.vector("transformer.ln_f.bias", D);
  hf::set_output(t, c, w, "lm_head.weight");
  const bool mq = c.n_head_kv == 1 && c.n_head > 1;
  w.layers.resize(static_cast<size_t>(c.n_layer));
  for (int32_t l = 0; l < c.n_layer; ++l) {
    LayerWeights& L = w.layers[static_cast<size_t>(l)];
    auto n = [&](const std::string& rest) { return hf::layer_name("transformer.h.", l, rest); };
    L.attn_norm = t.vector(n("input_layernorm.weight"), D);
    L.attn_norm_b = t.vector(n("input_layernorm.bias"), D);
    const std::string qkv = n("self_attention.query_key_value.weight");
    const std::string qkv_b = n("self_attention.query_key_value.bias");
    if (mq) {
      const TensorView f = t.matrix(qkv, QD + 2 * KVD, D);
      L.wq = HfTensors::rows(f, 0, QD, qkv + "[q]");
      L.wk = HfTensors::rows(f, QD, KVD, qkv + "[k]");
      L.wv = HfTensors::rows(f, QD + KVD, KVD, qkv + "[v]");
      if (t.has(qkv_b)) {
        const TensorView b = t.vector(qkv_b, QD + 2 * KVD);
        L.bq = hf::vector_slice(b, 0, QD, qkv_b + "[q]");
        L.bk = hf::vector_slice(b, QD, KVD, qkv_b + "[k]");
        L.bv = hf::vector_slice(b, QD + KVD, KVD, qkv_b + "[v]");
      }
    } else {
      const hf::Qkv m = hf::split_per_head_qkv(t, qkv, c.n_head, c.head_dim, D, false);
      L.wq = m.q;
      L.wk = m.k;
      L.wv = m.v;
      if (t.has(qkv_b)) {
        const hf::Qkv b = hf::split_per_head_qkv(t, qkv_b, c.n_head, c.head_dim, 1, true);
        L.bq = b.q;
        L.bk = b.k;
        L.bv = b.v;
      }
    }
    L.wo = t.matrix(n("self_attention.dense.weight"), D, QD);
    L.bo = t.optional_vector(n("self_attention.dense.bias"), D);
    L.ffn_up = t.matrix(n("mlp.dense_h_to_4h.weight"), F, D);
    L.ffn_up_b = t.optional_vector(n("mlp.dense_h_to_4h.bias"), F);
    L.ffn_down = t.matrix(n("mlp.dense_4h_to_h.weight"), D, F);
    L.ffn_down_b = t.optional_vector(n("mlp.dense_4h_to_h.bias"), D);
    // No ffn_norm: the parallel block feeds the FFN the input_layernorm output.
  }
}

}  // namespace sinkstream
