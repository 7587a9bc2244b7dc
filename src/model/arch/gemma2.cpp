// The Gemma 2 family: pre- and post-norms around attention and feed-forward,
// GeGLU, embeddings scaled by sqrt(hidden), scores scaled by 1/sqrt(query_pre_attn_scalar)
// and soft-capped, logits soft-capped, local sliding-window layers alternating with
// global ones (layer 0 local), tied classifier.
//
//   x = embed(tokens) * sqrt(D)
//   for each layer: x += PostNorm1(Attn(Norm1(x)))     scores: cap_a * tanh(q.k * scale / cap_a)
//                   x += PostNorm2(GeGLU(Norm2(x)))    (local layers: the last W keys only)
//   logits = cap_f * tanh(Output(Norm(x)) / cap_f)
//   Norm(x) = RMSNorm(x) * (1 + w)
//
// GGUF: "gemma2" with llama.cpp's names: blk.N.{attn_norm, attn_q, attn_k, attn_v, attn_output,
// post_attention_norm, ffn_norm (the pre-feed-forward norm), ffn_gate, ffn_up, ffn_down,
// post_ffw_norm}, norms holding 1 + w; gemma2.attn_logit_softcapping,
// gemma2.final_logit_softcapping, gemma2.attention.sliding_window (every other layer).
// HF (model_type gemma2) tensors: model.embed_tokens.weight (V, D), model.norm.weight [D],
//   model.layers.N.{input_layernorm, post_attention_layernorm, pre_feedforward_layernorm,
//   post_feedforward_layernorm}.weight [D], self_attn.{q,k,v,o}_proj.weight,
//   mlp.{gate,up,down}_proj.weight; lm_head.weight only when untied.
#include <cmath>

#include "io/gguf.hpp"
#include "io/gguf_writer.hpp"
#include "io/hf_tensors.hpp"
#include "io/json_fields.hpp"
#include "model/arch/gemma.hpp"
#include "model/arch/hf_config_helpers.hpp"
#include "model/arch/hf_tensor_helpers.hpp"

namespace sinkstream::model::arch {

float gemma_embed_scale(const ModelConfig& c) { return static_cast<float>(std::sqrt(static_cast<double>(c.n_embd))); }

void read_gemma_hf_config(const io::JsonFields& f, ModelConfig& c, int32_t period) {
  read_hf_llama_sizes(f, c, 1e-6);
  const char* act_key = f.has("hidden_activation") ? "hidden_activation" : "hidden_act";
  const std::string act = f.string_or(act_key, "gelu_pytorch_tanh");
  if (act != "gelu_pytorch_tanh" && act != "gelu_new") {
    f.unsupported(act_key, "'" + act + "' is not supported (gelu_pytorch_tanh)");
  }
  if (f.boolean_or("attention_bias", false)) f.unsupported("attention_bias", "biased Gemma attention is not supported");
  c.tied_embeddings = f.boolean_or("tie_word_embeddings", true);
  c.embed_scale = gemma_embed_scale(c);
  const double qpas = f.number_or("query_pre_attn_scalar", static_cast<double>(c.head_dim));
  if (!(qpas > 0.0)) f.fail("query_pre_attn_scalar", "must be > 0");
  c.attn_scale = static_cast<float>(std::pow(qpas, -0.5));
  c.attn_softcap = static_cast<float>(f.number_or("attn_logit_softcapping", 0.0));
  c.final_softcap = static_cast<float>(f.number_or("final_logit_softcapping", 0.0));
  if (c.attn_softcap < 0.0f) f.fail("attn_logit_softcapping", "must be >= 0");
  if (c.final_softcap < 0.0f) f.fail("final_logit_softcapping", "must be >= 0");
  read_hf_layer_windows(f, c, io::opt_i32(f, "sliding_window", 0), all_but_each_period_th,
                        static_cast<int32_t>(f.integer_or("sliding_window_pattern", period)));
}

namespace {

// A Gemma norm weight w [n] as the (1 + w) that multiplies the normalized rows.
core::TensorView one_plus(io::HfTensors& t, const std::string& name, int64_t n) {
  const core::TensorView w = t.vector(name, n);
  std::vector<float> v(w.f32(), w.f32() + n);
  for (float& x : v) x += 1.0f;
  return t.own(name, std::move(v), 1, n);
}

}  // namespace

void map_gemma_hf_tensors(io::HfTensors& t, ModelConfig& c, ModelWeights& w) {
  const int64_t D = c.n_embd, QD = c.q_dim(), KVD = c.kv_dim(), F = c.n_ff;
  w.tok_embd = t.matrix("model.embed_tokens.weight", c.n_vocab, D);
  w.output_norm = one_plus(t, "model.norm.weight", D);
  set_output(t, c, w, "lm_head.weight");
  w.layers.resize(static_cast<size_t>(c.n_layer));
  for (int32_t l = 0; l < c.n_layer; ++l) {
    LayerWeights& L = w.layers[static_cast<size_t>(l)];
    auto n = [&](const std::string& rest) { return layer_name("model.layers.", l, rest); };
    L.attn_norm = one_plus(t, n("input_layernorm.weight"), D);
    L.wq = t.matrix(n("self_attn.q_proj.weight"), QD, D);
    L.wk = t.matrix(n("self_attn.k_proj.weight"), KVD, D);
    L.wv = t.matrix(n("self_attn.v_proj.weight"), KVD, D);
    L.wo = t.matrix(n("self_attn.o_proj.weight"), D, QD);
    if (c.qk_norm) {
      L.q_norm = one_plus(t, n("self_attn.q_norm.weight"), c.head_dim);
      L.k_norm = one_plus(t, n("self_attn.k_norm.weight"), c.head_dim);
    }
    L.attn_post_norm = one_plus(t, n("post_attention_layernorm.weight"), D);
    L.ffn_norm = one_plus(t, n("pre_feedforward_layernorm.weight"), D);
    L.ffn_post_norm = one_plus(t, n("post_feedforward_layernorm.weight"), D);
    L.ffn_gate = t.matrix(n("mlp.gate_proj.weight"), F, D);
    L.ffn_up = t.matrix(n("mlp.up_proj.weight"), F, D);
    L.ffn_down = t.matrix(n("mlp.down_proj.weight"), D, F);
  }
}

namespace {

constexpr std::string_view kHfTypes[] = {"gemma2"};

void read_hf_config(const io::JsonFields& f, const std::string&, ModelConfig& c) {
  read_gemma_hf_config(f, c, 2);
  read_hf_rope(f, c, 10000.0, 1.0);
}

// llama.cpp's keys; the embedding scale is the family's (sqrt(n_embd)).
void read_gguf_keys(const io::gguf::File& f, const std::string& prefix, ModelConfig& c) {
  c.embed_scale = gemma_embed_scale(c);
  c.attn_softcap = static_cast<float>(f.get_float(prefix + "attn_logit_softcapping", 0.0));
  c.final_softcap = static_cast<float>(f.get_float(prefix + "final_logit_softcapping", 0.0));
}

void write_gguf_keys(const ModelConfig& c, const std::string& prefix, io::gguf::Writer& w) {
  if (c.attn_softcap > 0.0f) w.set_f32(prefix + "attn_logit_softcapping", c.attn_softcap);
  if (c.final_softcap > 0.0f) w.set_f32(prefix + "final_logit_softcapping", c.final_softcap);
}

}  // namespace

extern const ArchSpec kGemma2;
constinit const ArchSpec kGemma2 = {
    .name = "gemma2",
    .hf_model_types = kHfTypes,
    .layout = kGemmaBlock,
    .gguf_swa_period = 2,
    .read_hf_config = read_hf_config,
    .map_hf_tensors = map_gemma_hf_tensors,
    .read_gguf_keys = read_gguf_keys,
    .write_gguf_keys = write_gguf_keys,
};

}  // namespace sinkstream::model::arch
