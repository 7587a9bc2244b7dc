// The GPT-NeoX family (Pythia, GPT-NeoX-20B, StableLM-alpha): LayerNorm with
// biases, fused-at-source q/k/v with biases, partial rotary embedding (the first
// n_rot dims of each head, halves layout), exact-GELU feed-forward, untied
// classifier, parallel or sequential residual.
//
//   x = embed(tokens)
//   parallel:   for each layer: x += Attn(LN1(x)) + GELU-FFN(LN2(x))
//   sequential: for each layer: x += Attn(LN1(x)); x += GELU-FFN(LN2(x))
//   logits = Output(LN(x))
//
// GGUF: "gptneox", {arch}.use_parallel_residual (default true), fused blk.N.attn_qkv.
// HF (model_type gpt_neox) tensors:
//   gpt_neox.embed_in.weight (V, D), embed_out.weight (V, D) unless tied
//   gpt_neox.final_layer_norm.{weight,bias} [D]
//   gpt_neox.layers.N.{input,post_attention}_layernorm.{weight,bias} [D]
//   gpt_neox.layers.N.attention.query_key_value.{weight (3D, D), bias [3D]}: rows [n_head][3][head_dim]
//   gpt_neox.layers.N.attention.dense.{weight (D, D), bias}
//   gpt_neox.layers.N.mlp.dense_h_to_4h.{weight (F, D), bias}, mlp.dense_4h_to_h.{weight (D, F), bias}
#include "io/gguf.hpp"
#include "io/gguf_writer.hpp"
#include "io/hf_tensors.hpp"
#include "io/json_fields.hpp"
#include "model/arch/arch_spec.hpp"
#include "model/arch/hf_config_helpers.hpp"
#include "model/arch/hf_tensor_helpers.hpp"
#include "model/arch/llama.hpp"

namespace sinkstream::model::arch {

namespace {

void read_gguf_keys(const io::gguf::File& f, const std::string& prefix, ModelConfig& c) {
  c.parallel_residual = f.get_bool(prefix + "use_parallel_residual", true);
}

void write_gguf_keys(const ModelConfig& c, const std::string& prefix, io::gguf::Writer& w) {
  w.set_bool(prefix + "use_parallel_residual", c.parallel_residual);
}

// LayerNorm, fused per-head q/k/v, partial rotary, GELU, parallel residual.
void read_hf_config(const io::JsonFields& f, const std::string& /*model_type*/, ModelConfig& c) {
  c.n_embd = io::req_i32(f, "hidden_size");
  c.n_ff = io::req_i32(f, "intermediate_size");
  c.n_layer = io::req_i32(f, "num_hidden_layers");
  c.n_head = io::req_i32(f, "num_attention_heads");
  c.n_head_kv = c.n_head;
  if (c.n_embd % c.n_head != 0) f.fail("hidden_size", "is not a multiple of num_attention_heads");
  c.head_dim = c.n_embd / c.n_head;
  c.n_vocab = io::req_i32(f, "vocab_size");
  c.n_ctx_train = io::opt_i32(f, "max_position_embeddings", 0);
  c.norm_eps = static_cast<float>(f.number_or("layer_norm_eps", 1e-5));
  c.ffn = gelu_kind(f, "hidden_act", f.string_or("hidden_act", "gelu"));
  c.tied_embeddings = f.boolean_or("tie_word_embeddings", false);
  c.parallel_residual = f.boolean_or("use_parallel_residual", true);
  c.attn_bias = f.boolean_or("attention_bias", true);
  read_hf_rope(f, c, 10000.0, 0.25);
}

void map_hf_tensors(io::HfTensors& t, ModelConfig& c, model::ModelWeights& w) {
  const int64_t D = c.n_embd, F = c.n_ff;
  w.tok_embd = t.matrix("gpt_neox.embed_in.weight", c.n_vocab, D);
  set_norm(t, w.output_norm, w.output_norm_b, "gpt_neox.final_layer_norm", D, true);
  set_output(t, c, w, "embed_out.weight");
  w.layers.resize(static_cast<size_t>(c.n_layer));
  for (int32_t l = 0; l < c.n_layer; ++l) {
    model::LayerWeights& L = w.layers[static_cast<size_t>(l)];
    auto n = [&](const std::string& rest) { return layer_name("gpt_neox.layers.", l, rest); };
    set_norm(t, L.attn_norm, L.attn_norm_b, n("input_layernorm"), D, true);
    set_norm(t, L.ffn_norm, L.ffn_norm_b, n("post_attention_layernorm"), D, true);
    set_per_head_qkv(t, L, n("attention.query_key_value.weight"), n("attention.query_key_value.bias"), c.n_head,
                     c.head_dim, D);
    L.wo = t.matrix(n("attention.dense.weight"), D, c.q_dim());
    L.bo = t.optional_vector(n("attention.dense.bias"), D);
    set_up_down_ffn(t, L, n("mlp.dense_h_to_4h"), n("mlp.dense_4h_to_h"), D, F);
  }
}

constexpr std::string_view kHfTypes[] = {"gpt_neox"};

}  // namespace

extern const ArchSpec kGptNeox;
constinit const ArchSpec kGptNeox = {
    .name = "gptneox",
    .hf_model_types = kHfTypes,
    .layout = kNeoxBlock,
    .read_hf_config = read_hf_config,
    .map_hf_tensors = map_hf_tensors,
    .read_gguf_keys = read_gguf_keys,
    .write_gguf_keys = write_gguf_keys,
};

}  // namespace sinkstream::model::arch
