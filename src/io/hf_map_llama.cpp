// llama / mistral / qwen2 / qwen3 tensors:
//   model.embed_tokens.weight (V, D), model.norm.weight [D], lm_head.weight (V, D) unless tied
//   model.layers.N.input_layernorm.weight [D], post_attention_layernorm.weight [D]
//   model.layers.N.self_attn.{q,k,v,o}_proj.weight (+ .bias: qwen2 q/k/v, attention_bias)
//   model.layers.N.self_attn.{q,k}_norm.weight [head_dim] (qwen3)
//   model.layers.N.mlp.{gate,up,down}_proj.weight (+ .bias with mlp_bias)
// HF keeps q/k rows in the order RoPE "halves" pairs them: no permutation.
#include "io/hf_map.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {

void hf_map_llama(HfTensors& t, ModelConfig& c, ModelWeights& w) {
  const int64_t D = c.n_embd, QD = c.q_dim(), KVD = c.kv_dim(), F = c.n_ff;
  w.tok_embd = t.matrix("model.embed_tokens.weight", c.n_vocab, D);
  w.output_norm = t.vector("model.norm.weight", D);
  hf::set_output(t, c, w, "lm_head.weight");
  w.layers.resize(static_cast<size_t>(c.n_layer));
  for (int32_t l = 0; l < c.n_layer; ++l) {
    LayerWeights& L = w.layers[static_cast<size_t>(l)];
    auto n = [&](const std::string& rest) { return hf::layer_name("model.layers.", l, rest); };
    L.attn_norm = t.vector(n("input_layernorm.weight"), D);
    L.wq = t.matrix(n("self_attn.q_proj.weight"), QD, D);
    L.wk = t.matrix(n("self_attn.k_proj.weight"), KVD, D);
    L.wv = t.matrix(n("self_attn.v_proj.weight"), KVD, D);
    L.wo = t.matrix(n("self_attn.o_proj.weight"), D, QD);
    L.bq = t.optional_vector(n("self_attn.q_proj.bias"), QD);
    L.bk = t.optional_vector(n("self_attn.k_proj.bias"), KVD);
    L.bv = t.optional_vector(n("self_attn.v_proj.bias"), KVD);
    L.bo = t.optional_vector(n("self_attn.o_proj.bias"), D);
    if (c.attn_bias && (L.bq.empty() || L.bk.empty() || L.bv.empty())) {
      t.vector(n("self_attn.q_proj.bias"), QD);  // throws naming the missing bias
      t.vector(n("self_attn.k_proj.bias"), KVD);
      t.vector(n("self_attn.v_proj.bias"), KVD);
    }
    if (c.qk_norm) {
      L.q_norm = t.vector(n("self_attn.q_norm.weight"), c.head_dim);
      L.k_norm = t.vector(n("self_attn.k_norm.weight"), c.head_dim);
    }
    L.ffn_norm = t.vector(n("post_attention_layernorm.weight"), D);
    L.ffn_gate = t.matrix(n("mlp.gate_proj.weight"), F, D);
    L.ffn_up = t.matrix(n("mlp.up_proj.weight"), F, D);
    L.ffn_down = t.matrix(n("mlp.down_proj.weight"), D, F);
    if (c.ffn_bias) {
      // The gate bias has no slot in LayerWeights: refuse rather than drop it.
      if (t.has(n("mlp.gate_proj.bias"))) {
        throw Error(ErrorKind::kUnsupported, t.file() + ": tensor '" + n("mlp.gate_proj.bias") +
                                                 "': biased SwiGLU gates are not supported");
      }
      L.ffn_up_b = t.vector(n("mlp.up_proj.bias"), F);
      L.ffn_down_b = t.vector(n("mlp.down_proj.bias"), D);
    }
  }
}

}  // namespace sinkstream
