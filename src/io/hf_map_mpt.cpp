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
  hf::set_norm(t, w.output_norm, w.output_norm_b, "transformer.norm_f", D, false);
  hf::set_output(t, c, w, "lm_head.weight");
  w.layers.resize(static_cast<size_t>(c.n_layer));
  for (int32_t l = 0; l < c.n_layer; ++l) {
    LayerWeights& L = w.layers[static_cast<size_t>(l)];
    auto n = [&](const std::string& rest) { return hf::layer_name("transformer.blocks.", l, rest); };
    hf::set_norm(t, L.attn_norm, L.attn_norm_b, n("norm_1"), D, false);
    hf::set_norm(t, L.ffn_norm, L.ffn_norm_b, n("norm_2"), D, false);
    hf::set_stacked_qkv(t, L, n("attn.Wqkv.weight"), n("attn.Wqkv.bias"), D, D, D);
    L.wo = t.matrix(n("attn.out_proj.weight"), D, D);
    hf::set_up_down_ffn(t, L, n("ffn.up_proj"), n("ffn.down_proj"), D, F);
  }
}

}  // namespace sinkstream
