// mpt tensors:
//   transformer.wte.weight (V, D) (classifier tied unless lm_head.weight exists)
//   transformer.norm_f.weight [D]                    (LayerNorms have no bias)
//   transformer.blocks.N.norm_1.weight [D], norm_2.weight [D]
//   transformer.blocks.N.attn.Wqkv.weight (3D, D) = [q; k; v], attn.out_proj.weight (D, D)
//   transformer.blocks.N.ffn.up_proj.weight (F, D), ffn.down_proj.weight (D, F)
#include "io/hf_map.hpp"

namespace sinkstream {

void hf_map_mpt(HfTensors& t, ModelConfig& c, ModelWeights& w) {
  const int64_t D = c.n_embd, F = c.n_ff;
  w.tok_embd = t.matrix("transformer.wte.weight", c.n_vocab, D);
  w.output_norm = t.vector("transformer.norm_f.weight", D);
  w.output_norm_b = t.optional_vector("transformer.norm_f.bias", D);
  hf::set_output(t, c, w, "lm_head.weight");
  w.layers.resize(static_cast<size_t>(c.n_layer));
  for (int32_t l = 0; l < c.n_layer; ++l) {
    LayerWeights& L = w.layers[static_cast<size_t>(l)];
    auto n = [&](const std::string& rest) { return hf::layer_name("transformer.blocks.", l, rest); };
    L.attn_norm = t.vector(n("norm_1.weight"), D);
    L.attn_norm_b = t.optional_vector(n("norm_1.bias"), D);
    L.ffn_norm = t.vector(n("norm_2.weight"), D);
    L.ffn_norm_b = t.optional_vector(n("norm_2.bias"), D);
    const std::string qkv = n("attn.Wqkv.weight");
    const TensorView f = t.matrix(qkv, 3 * D, D);
    L.wq = HfTensors::rows(f, 0, D, qkv + "[q]");
    L.wk = HfTensors::rows(f, D, D, qkv + "[k]");
    L.wv = HfTensors::rows(f, 2 * D, D, qkv + "[v]");
    L.wo = t.matrix(n("attn.out_proj.weight"), D, D);
    L.ffn_up = t.matrix(n("ffn.up_proj.weight"), F, D);
    L.ffn_down = t.matrix(n("ffn.down_proj.weight"), D, F);
  }
}

}  // namespace sinkstream
