// The Falcon family, Falcon-7B layout: one LayerNorm per layer feeding both the
// attention and the feed-forward in parallel, multi-query attention (one K/V
// head), full-width RoPE (halves layout), exact-GELU feed-forward, tied
// classifier.
//
//   x = embed(tokens)
//   for each layer: h = LN(x); x += Attn(h) + GELU-FFN(h)
//   logits = Output(LN(x))
//
// GGUF: "falcon", fused blk.N.attn_qkv, no ffn_norm.
// HF tensors:
//   transformer.word_embeddings.weight (V, D), lm_head.weight (V, D) unless tied
//   transformer.ln_f.{weight,bias} [D]
//   transformer.h.N.input_layernorm.{weight,bias} [D]   (the one norm of a parallel block)
//   transformer.h.N.self_attention.query_key_value.weight:
//       multi-query: ((n_head + 2) * head_dim, D) = [q heads][k][v]
//       otherwise:   (3 * D, D) = [n_head][3][head_dim]
//   transformer.h.N.self_attention.dense.weight (D, D)
//   transformer.h.N.mlp.dense_h_to_4h.weight (F, D), mlp.dense_4h_to_h.weight (D, F)
//   (+ .bias of each linear layer when config "bias" is true)
#include "io/hf_tensors.hpp"
#include "io/json_fields.hpp"
#include "model/arch/arch_spec.hpp"
#include "model/arch/hf_config_helpers.hpp"
#include "model/arch/hf_tensor_helpers.hpp"
#include "model/arch/llama.hpp"

namespace sinkstream::model::arch {

namespace {

// Multi-query, parallel attention, one LayerNorm, RoPE.
void read_hf_config(const io::JsonFields& f, const std::string& /*model_type*/, ModelConfig& c) {
  c.n_embd = io::req_i32(f, "hidden_size");
  c.n_layer = io::req_i32_alias(f, {"num_hidden_layers", "n_layer"});
  c.n_head = io::req_i32_alias(f, {"num_attention_heads", "n_head"});
  if (f.boolean_or("new_decoder_architecture", false)) {
    f.unsupported("new_decoder_architecture", "true (Falcon-40B/180B layout) is not supported yet");
  }
  if (f.boolean_or("alibi", false)) f.unsupported("alibi", "true (Falcon-RW) is not supported yet");
  if (!f.boolean_or("parallel_attn", true)) f.unsupported("parallel_attn", "false is not supported yet");
  c.n_head_kv = f.boolean_or("multi_query", true) ? 1 : c.n_head;
  if (c.n_embd % c.n_head != 0) f.fail("hidden_size", "is not a multiple of num_attention_heads");
  c.head_dim = c.n_embd / c.n_head;
  c.n_ff = f.has("ffn_hidden_size") ? io::req_i32(f, "ffn_hidden_size")
                                    : io::to_i32(f, "hidden_size", 4 * int64_t{c.n_embd});
  c.n_vocab = io::req_i32(f, "vocab_size");
  c.n_ctx_train = io::opt_i32(f, "max_position_embeddings", 2048);
  c.norm_eps = static_cast<float>(f.number_or("layer_norm_epsilon", 1e-5));
  c.ffn = gelu_kind(f, "activation", f.string_or("activation", "gelu"));
  c.tied_embeddings = f.boolean_or("tie_word_embeddings", true);
  c.attn_bias = c.ffn_bias = f.boolean_or("bias", false);
  read_hf_rope(f, c, 10000.0, 1.0);
}

void map_hf_tensors(io::HfTensors& t, ModelConfig& c, model::ModelWeights& w) {
  const int64_t D = c.n_embd, F = c.n_ff, QD = c.q_dim(), KVD = c.kv_dim();
  w.tok_embd = t.matrix("transformer.word_embeddings.weight", c.n_vocab, D);
  set_norm(t, w.output_norm, w.output_norm_b, "transformer.ln_f", D, true);
  set_output(t, c, w, "lm_head.weight");
  const bool mq = c.n_head_kv == 1 && c.n_head > 1;
  w.layers.resize(static_cast<size_t>(c.n_layer));
  for (int32_t l = 0; l < c.n_layer; ++l) {
    model::LayerWeights& L = w.layers[static_cast<size_t>(l)];
    auto n = [&](const std::string& rest) { return layer_name("transformer.h.", l, rest); };
    set_norm(t, L.attn_norm, L.attn_norm_b, n("input_layernorm"), D, true);
    const std::string qkv = n("self_attention.query_key_value.weight");
    const std::string qkv_b = n("self_attention.query_key_value.bias");
    if (mq) set_stacked_qkv(t, L, qkv, qkv_b, QD, KVD, D);
    else set_per_head_qkv(t, L, qkv, qkv_b, c.n_head, c.head_dim, D);
    L.wo = t.matrix(n("self_attention.dense.weight"), D, QD);
    L.bo = t.optional_vector(n("self_attention.dense.bias"), D);
    set_up_down_ffn(t, L, n("mlp.dense_h_to_4h"), n("mlp.dense_4h_to_h"), D, F);
    // No ffn_norm: the parallel block feeds the FFN the input_layernorm output.
  }
}

constexpr std::string_view kHfTypes[] = {"falcon", "RefinedWeb", "RefinedWebModel"};

}  // namespace

extern const ArchSpec kFalcon;
constinit const ArchSpec kFalcon = {
    .name = "falcon",
    .hf_model_types = kHfTypes,
    .layout = derive_layout(kNeoxBlock, {.ffn_norm = false, .ffn_bias = Bias::kOptional}),
    .read_hf_config = read_hf_config,
    .map_hf_tensors = map_hf_tensors,
};

}  // namespace sinkstream::model::arch
