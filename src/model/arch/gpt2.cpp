// The GPT-2 family: learned absolute position embeddings (so only dense and
// recompute caches are meaningful, within n_ctx_train), LayerNorm with biases,
// biased projections, tanh-GELU feed-forward, tied classifier.
//
//   x = embed(tokens) + pos_embed(positions)
//   for each layer: x += Attn(LN1(x)); x += GELU-FFN(LN2(x))
//   logits = Output(LN(x))
//
// GGUF: "gpt2", position_embd.weight, fused blk.N.attn_qkv.
// HF tensors (with or without the "transformer." prefix of GPT2LMHeadModel):
//   wte.weight (V, D), wpe.weight (n_ctx, D), ln_f.{weight,bias} [D]
//   h.N.ln_1.{weight,bias}, h.N.ln_2.{weight,bias} [D]
//   h.N.attn.c_attn.{weight (D, 3D), bias [3D]}: Conv1D, stored (in, out); output = [q; k; v]
//   h.N.attn.c_proj.{weight (D, D), bias [D]}
//   h.N.mlp.c_fc.{weight (D, F), bias [F]}, h.N.mlp.c_proj.{weight (F, D), bias [D]}
// Conv1D weights are transposed into owned (out, in) f32 buffers.
#include "io/hf_tensors.hpp"
#include "io/json_fields.hpp"
#include "model/arch/arch_spec.hpp"
#include "model/arch/hf_config_helpers.hpp"
#include "model/arch/hf_tensor_helpers.hpp"
#include "model/arch/llama.hpp"

namespace sinkstream::model::arch {

namespace {

// Learned positions, LayerNorm with biases, Conv1D projections, GELU.
void read_hf_config(const io::JsonFields& f, const std::string& /*model_type*/, ModelConfig& c) {
  c.n_embd = io::req_i32(f, "n_embd");
  c.n_head = io::req_i32(f, "n_head");
  c.n_head_kv = c.n_head;
  c.n_layer = io::req_i32(f, "n_layer");
  if (c.n_embd % c.n_head != 0) f.fail("n_embd", "is not a multiple of n_head");
  c.head_dim = c.n_embd / c.n_head;
  c.n_ff = f.has("n_inner") ? io::req_i32(f, "n_inner") : io::to_i32(f, "n_embd", 4 * int64_t{c.n_embd});
  c.n_vocab = io::req_i32(f, "vocab_size");
  c.n_ctx_train = io::req_i32_alias(f, {"n_positions", "n_ctx"});
  c.norm_eps = static_cast<float>(f.number_or("layer_norm_epsilon", 1e-5));
  c.ffn = gelu_kind(f, "activation_function", f.string_or("activation_function", "gelu_new"));
  c.tied_embeddings = true;
  c.n_rot = 0;
  if (!f.boolean_or("scale_attn_weights", true)) c.attn_scale = 1.0f;
  if (f.boolean_or("scale_attn_by_inverse_layer_idx", false)) {
    f.unsupported("scale_attn_by_inverse_layer_idx", "true is not supported yet");
  }
}

// Conv1D weight `name` stored (in, out) -> owned (out, in) f32.
core::TensorView conv1d(io::HfTensors& t, const std::string& name, int64_t in, int64_t out) {
  const std::vector<float> src = t.f32(name, in, out);  // [in][out]
  std::vector<float> dst(src.size());                   // [out][in]
  for (int64_t i = 0; i < in; ++i) {
    for (int64_t o = 0; o < out; ++o) dst[static_cast<size_t>(o * in + i)] = src[static_cast<size_t>(i * out + o)];
  }
  return t.own(name + "^T", std::move(dst), out, in);
}

void map_hf_tensors(io::HfTensors& t, ModelConfig& c, model::ModelWeights& w) {
  const int64_t D = c.n_embd, F = c.n_ff;
  const std::string p = t.has("transformer.wte.weight") ? "transformer." : "";
  w.tok_embd = t.matrix(p + "wte.weight", c.n_vocab, D);
  w.pos_embd = t.matrix(p + "wpe.weight", c.n_ctx_train, D);
  w.output_norm = t.vector(p + "ln_f.weight", D);
  w.output_norm_b = t.vector(p + "ln_f.bias", D);
  set_output(t, c, w, "lm_head.weight");
  w.layers.resize(static_cast<size_t>(c.n_layer));
  for (int32_t l = 0; l < c.n_layer; ++l) {
    model::LayerWeights& L = w.layers[static_cast<size_t>(l)];
    auto n = [&](const std::string& rest) { return layer_name(p + "h.", l, rest); };
    L.attn_norm = t.vector(n("ln_1.weight"), D);
    L.attn_norm_b = t.vector(n("ln_1.bias"), D);
    L.ffn_norm = t.vector(n("ln_2.weight"), D);
    L.ffn_norm_b = t.vector(n("ln_2.bias"), D);
    const core::TensorView qkv = conv1d(t, n("attn.c_attn.weight"), D, 3 * D);
    L.wq = io::HfTensors::rows(qkv, 0, D, qkv.name + "[q]");
    L.wk = io::HfTensors::rows(qkv, D, D, qkv.name + "[k]");
    L.wv = io::HfTensors::rows(qkv, 2 * D, D, qkv.name + "[v]");
    const std::string bname = n("attn.c_attn.bias");
    const core::TensorView b = t.own(bname, t.f32(bname, -1, 3 * D), 1, 3 * D);
    L.bq = vector_slice(b, 0, D, bname + "[q]");
    L.bk = vector_slice(b, D, D, bname + "[k]");
    L.bv = vector_slice(b, 2 * D, D, bname + "[v]");
    L.wo = conv1d(t, n("attn.c_proj.weight"), D, D);
    L.bo = t.vector(n("attn.c_proj.bias"), D);
    L.ffn_up = conv1d(t, n("mlp.c_fc.weight"), D, F);
    L.ffn_up_b = t.vector(n("mlp.c_fc.bias"), F);
    L.ffn_down = conv1d(t, n("mlp.c_proj.weight"), F, D);
    L.ffn_down_b = t.vector(n("mlp.c_proj.bias"), D);
  }
}

constexpr std::string_view kHfTypes[] = {"gpt2"};

}  // namespace

extern const ArchSpec kGpt2;
constinit const ArchSpec kGpt2 = {
    .name = "gpt2",
    .hf_model_types = kHfTypes,
    .layout = derive_layout(kNeoxBlock, {.ffn = FfnKind::kGelu,
                                        .positions = PositionKind::kLearned,
                                        .parallel_residual = false,
                                        .qkv_bias = Bias::kAlways,
                                        .out_bias = Bias::kAlways,
                                        .gguf_output_required = true}),
    .read_hf_config = read_hf_config,
    .map_hf_tensors = map_hf_tensors,
};

}  // namespace sinkstream::model::arch
