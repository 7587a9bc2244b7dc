// The Phi-3 / Phi-3.5 family: the llama block with q/k/v fused in one projection
// and gate/up fused in another, RoPE in the halves layout, LongRoPE ("su" /
// "longrope": per-pair divisors from a short and a long list, chosen per forward
// call as transformers does: the long list when the call ends past the original
// context, else the short one (ForwardScratch::select_rope); and an attention
// factor), and the config's sliding_window in every layer.
//
//   x = embed(tokens)
//   for each layer: x += Attn(RMSNorm(x)) with [q; k; v] = Wqkv x
//                   x += down(silu(g) * u) with [g; u] = Wgate_up x
//   logits = Output(RMSNorm(x))
//
// GGUF: "phi3" with llama.cpp's names: blk.N.attn_qkv (fused), blk.N.ffn_up holding
// [gate; up] (2 * n_ff rows, no ffn_gate), rope_factors_long / rope_factors_short,
// phi3.rope.scaling.{original_context_length, attn_factor}.
// HF (model_type phi3) tensors: model.embed_tokens.weight, model.norm.weight, lm_head.weight,
//   model.layers.N.{input_layernorm, post_attention_layernorm}.weight [D],
//   self_attn.qkv_proj.weight (q_dim + 2 kv_dim, D), self_attn.o_proj.weight (D, q_dim),
//   mlp.gate_up_proj.weight (2F, D) = [gate; up], mlp.down_proj.weight (D, F).
#include "io/hf_tensors.hpp"
#include "io/json_fields.hpp"
#include "model/arch/arch_spec.hpp"
#include "model/arch/hf_config_helpers.hpp"
#include "model/arch/hf_tensor_helpers.hpp"
#include "model/arch/llama.hpp"

namespace sinkstream::model::arch {

namespace {

constexpr std::string_view kHfTypes[] = {"phi3"};

void read_hf_config(const io::JsonFields& f, const std::string&, ModelConfig& c) {
  read_hf_llama_sizes(f, c, 1e-5);
  const std::string act = f.string_or("hidden_act", "silu");
  if (act != "silu" && act != "swish") f.unsupported("hidden_act", "'" + act + "' is not supported (silu)");
  if (f.boolean_or("attention_bias", false)) f.unsupported("attention_bias", "biased Phi-3 attention is not supported");
  c.tied_embeddings = f.boolean_or("tie_word_embeddings", false);
  read_hf_layer_windows(f, c, io::opt_i32(f, "sliding_window", 0), every_layer, 0);
  read_hf_rope(f, c, 10000.0, 1.0);
}

void map_hf_tensors(io::HfTensors& t, ModelConfig& c, ModelWeights& w) {
  const int64_t D = c.n_embd, QD = c.q_dim(), KVD = c.kv_dim(), F = c.n_ff;
  w.tok_embd = t.matrix("model.embed_tokens.weight", c.n_vocab, D);
  w.output_norm = t.vector("model.norm.weight", D);
  set_output(t, c, w, "lm_head.weight");
  w.layers.resize(static_cast<size_t>(c.n_layer));
  for (int32_t l = 0; l < c.n_layer; ++l) {
    LayerWeights& L = w.layers[static_cast<size_t>(l)];
    auto n = [&](const std::string& rest) { return layer_name("model.layers.", l, rest); };
    L.attn_norm = t.vector(n("input_layernorm.weight"), D);
    set_stacked_qkv(t, L, n("self_attn.qkv_proj.weight"), n("self_attn.qkv_proj.bias"), QD, KVD, D);
    L.wo = t.matrix(n("self_attn.o_proj.weight"), D, QD);
    L.ffn_norm = t.vector(n("post_attention_layernorm.weight"), D);
    const core::TensorView gate_up = t.matrix(n("mlp.gate_up_proj.weight"), 2 * F, D);
    L.ffn_gate = io::HfTensors::rows(gate_up, 0, F, n("mlp.gate_up_proj.weight[gate]"));
    L.ffn_up = io::HfTensors::rows(gate_up, F, F, n("mlp.gate_up_proj.weight[up]"));
    L.ffn_down = t.matrix(n("mlp.down_proj.weight"), D, F);
  }
}

}  // namespace

extern const ArchSpec kPhi3;
constinit const ArchSpec kPhi3 = {
    .name = "phi3",
    .hf_model_types = kHfTypes,
    .layout = derive_layout(kLlamaBlock, {.gguf_rope_layout = RopeLayout::kHalves,
                                          .gguf_fused_qkv = true,
                                          .qkv_bias = Bias::kNone,
                                          .out_bias = Bias::kNone,
                                          .ffn_bias = Bias::kNone,
                                          .gguf_fused_gate_up = true}),
    .read_hf_config = read_hf_config,
    .map_hf_tensors = map_hf_tensors,
};

}  // namespace sinkstream::model::arch
