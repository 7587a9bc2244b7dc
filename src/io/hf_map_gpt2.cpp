// gpt2 tensors (with or without the "transformer." prefix of GPT2LMHeadModel):
//   wte.weight (V, D), wpe.weight (n_ctx, D), ln_f.{weight,bias} [D]
//   h.N.ln_1.{weight,bias}, h.N.ln_2.{weight,bias} [D]
//   h.N.attn.c_attn.{weight (D, 3D), bias [3D]}: Conv1D, stored (in, out); output = [q; k; v]
//   h.N.attn.c_proj.{weight (D, D), bias [D]}
//   h.N.mlp.c_fc.{weight (D, F), bias [F]}, h.N.mlp.c_proj.{weight (F, D), bias [D]}
// Conv1D weights are transposed into owned (out, in) f32 buffers.
#include "io/hf_map.hpp"

namespace sinkstream {

namespace {

// Conv1D weight `name` stored (in, out) -> owned (out, in) f32.
TensorView conv1d(HfTensors& t, const std::string& name, int64_t in, int64_t out) {
  const std::vector<float> src = t.f32(name, in, out);  // [in][out]
  std::vector<float> dst(src.size());                   // [out][in]
  for (int64_t i = 0; i < in; ++i) {
    for (int64_t o = 0; o < out; ++o) dst[static_cast<size_t>(o * in + i)] = src[static_cast<size_t>(i * out + o)];
  }
  return t.own(name + "^T", std::move(dst), out, in);
}

}  // namespace

void hf_map_gpt2(HfTensors& t, ModelConfig& c, ModelWeights& w) {
  const int64_t D = c.n_embd, F = c.n_ff;
  const std::string p = t.has("transformer.wte.weight") ? "transformer." : "";
  w.tok_embd = t.matrix(p + "wte.weight", c.n_vocab, D);
  w.pos_embd = t.matrix(p + "wpe.weight", c.n_ctx_train, D);
  w.output_norm = t.vector(p + "ln_f.weight", D);
  w.output_norm_b = t.vector(p + "ln_f.bias", D);
  hf::set_output(t, c, w, "lm_head.weight");
  w.layers.resize(static_cast<size_t>(c.n_layer));
  for (int32_t l = 0; l < c.n_layer; ++l) {
    LayerWeights& L = w.layers[static_cast<size_t>(l)];
    auto n = [&](const std::string& rest) { return hf::layer_name(p + "h.", l, rest); };
    L.attn_norm = t.vector(n("ln_1.weight"), D);
    L.attn_norm_b = t.vector(n("ln_1.bias"), D);
    L.ffn_norm = t.vector(n("ln_2.weight"), D);
    L.ffn_norm_b = t.vector(n("ln_2.bias"), D);
    const TensorView qkv = conv1d(t, n("attn.c_attn.weight"), D, 3 * D);
    L.wq = HfTensors::rows(qkv, 0, D, qkv.name + "[q]");
    L.wk = HfTensors::rows(qkv, D, D, qkv.name + "[k]");
    L.wv = HfTensors::rows(qkv, 2 * D, D, qkv.name + "[v]");
    const std::string bname = n("attn.c_attn.bias");
    const TensorView b = t.own(bname, t.f32(bname, -1, 3 * D), 1, 3 * D);
    L.bq = hf::vector_slice(b, 0, D, bname + "[q]");
    L.bk = hf::vector_slice(b, D, D, bname + "[k]");
    L.bv = hf::vector_slice(b, 2 * D, D, bname + "[v]");
    L.wo = conv1d(t, n("attn.c_proj.weight"), D, D);
    L.bo = t.vector(n("attn.c_proj.bias"), D);
    L.ffn_up = conv1d(t, n("mlp.c_fc.weight"), D, F);
    L.ffn_up_b = t.vector(n("mlp.c_fc.bias"), F);
    L.ffn_down = conv1d(t, n("mlp.c_proj.weight"), F, D);
    L.ffn_down_b = t.vector(n("mlp.c_proj.bias"), D);
  }
}

}  // namespace sinkstream
