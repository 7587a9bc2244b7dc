// The llama family: pre-RMSNorm blocks, RoPE attention with grouped-query heads,
// SwiGLU feed-forward, tied or separate classifier (Llama 2/3, TinyLlama, SmolLM,
// Mistral, llama2.c checkpoints).
//
//   x = embed(tokens)
//   for each layer: x += Attn(RMSNorm(x)); x += SwiGLU(RMSNorm(x))
//   logits = Output(RMSNorm(x))
//
// GGUF: "llama" (and "mistral", read as llama); Q/K rows permuted for adjacent
// RoPE pairs, as llama.cpp's converter writes them.
// HF tensors (also qwen2, qwen3):
//   model.embed_tokens.weight (V, D), model.norm.weight [D], lm_head.weight (V, D) unless tied
//   model.layers.N.input_layernorm.weight [D], post_attention_layernorm.weight [D]
//   model.layers.N.self_attn.{q,k,v,o}_proj.weight (+ .bias: qwen2 q/k/v, attention_bias)
//   model.layers.N.self_attn.{q,k}_norm.weight [head_dim] (qwen3)
//   model.layers.N.mlp.{gate,up,down}_proj.weight (+ .bias with mlp_bias)
// HF keeps q/k rows in the order RoPE "halves" pairs them: no permutation.
#include "model/arch/llama.hpp"

#include "io/hf_tensors.hpp"
#include "io/json_fields.hpp"
#include "model/arch/hf_config_helpers.hpp"
#include "model/arch/hf_tensor_helpers.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::model::arch {

namespace {
bool from_layer(int32_t l, int32_t first) { return l >= first; }
}  // namespace

void read_llama_hf_config(const io::JsonFields& f, const std::string& model_type, ModelConfig& c) {
  read_hf_llama_sizes(f, c, 1e-6);
  const std::string act = f.string_or("hidden_act", "silu");
  if (act != "silu" && act != "swish") f.unsupported("hidden_act", "'" + act + "' is not supported (silu)");
  if (!c.attn_bias) c.attn_bias = f.boolean_or("attention_bias", false);
  c.ffn_bias = f.boolean_or("mlp_bias", false);
  // Mistral's window is always on, in every layer; Qwen's only with use_sliding_window, in the
  // layers from max_window_layers on (unless layer_types says otherwise).
  if (model_type == "mistral") {
    read_hf_layer_windows(f, c, io::opt_i32(f, "sliding_window", 0), every_layer, 0);
  } else if (f.boolean_or("use_sliding_window", false)) {
    read_hf_layer_windows(f, c, io::opt_i32(f, "sliding_window", 0), from_layer, io::opt_i32(f, "max_window_layers", 0));
  }
  read_hf_rope(f, c, 10000.0, 1.0);
}

void map_llama_embeddings(io::HfTensors& t, ModelConfig& c, ModelWeights& w) {
  w.tok_embd = t.matrix("model.embed_tokens.weight", c.n_vocab, c.n_embd);
  w.output_norm = t.vector("model.norm.weight", c.n_embd);
  set_output(t, c, w, "lm_head.weight");
  w.layers.resize(static_cast<size_t>(c.n_layer));
}

void map_llama_attention(io::HfTensors& t, const ModelConfig& c, int32_t l, LayerWeights& L) {
  const int64_t D = c.n_embd, QD = c.q_dim(), KVD = c.kv_dim();
  auto n = [&](const std::string& rest) { return layer_name("model.layers.", l, rest); };
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
}

void map_llama_hf_tensors(io::HfTensors& t, ModelConfig& c, ModelWeights& w) {
  const int64_t D = c.n_embd, F = c.n_ff;
  map_llama_embeddings(t, c, w);
  for (int32_t l = 0; l < c.n_layer; ++l) {
    model::LayerWeights& L = w.layers[static_cast<size_t>(l)];
    auto n = [&](const std::string& rest) { return layer_name("model.layers.", l, rest); };
    map_llama_attention(t, c, l, L);
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

namespace {
constexpr std::string_view kGgufAliases[] = {"mistral"};
constexpr std::string_view kHfTypes[] = {"llama", "mistral"};
}  // namespace

constinit const ArchSpec kLlama = {
    .name = "llama",
    .gguf_aliases = kGgufAliases,
    .hf_model_types = kHfTypes,
    .layout = kLlamaBlock,
    .read_hf_config = read_llama_hf_config,
    .map_hf_tensors = map_llama_hf_tensors,
};

}  // namespace sinkstream::model::arch
