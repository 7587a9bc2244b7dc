// The MPT family (MPT-7B/30B): LayerNorm without biases, ALiBi instead of
// position embeddings (slopes from alibi_max_bias), no linear biases,
// exact-GELU feed-forward, tied classifier.
//
//   x = embed(tokens)
//   for each layer: x += Attn_alibi(LN1(x)); x += GELU-FFN(LN2(x))
//   logits = Output(LN(x))
//
// GGUF: "mpt", {arch}.attention.max_alibi_bias (default 8), fused blk.N.attn_qkv.
// HF tensors:
//   transformer.wte.weight (V, D) (classifier tied unless lm_head.weight exists)
//   transformer.norm_f.weight [D]                    (LayerNorms have no bias)
//   transformer.blocks.N.norm_1.weight [D], norm_2.weight [D]
//   transformer.blocks.N.attn.Wqkv.weight (3D, D) = [q; k; v], attn.out_proj.weight (D, D)
//   transformer.blocks.N.ffn.up_proj.weight (F, D), ffn.down_proj.weight (D, F)
#include "io/gguf.hpp"
#include "io/gguf_writer.hpp"
#include "io/hf_tensors.hpp"
#include "io/json_fields.hpp"
#include "model/arch/arch_spec.hpp"
#include "model/arch/hf_tensor_helpers.hpp"
#include "model/arch/llama.hpp"

namespace sinkstream::model::arch {

namespace {

void read_gguf_keys(const io::gguf::File& f, const std::string& prefix, ModelConfig& c) {
  c.alibi_max_bias = static_cast<float>(f.get_float(prefix + "attention.max_alibi_bias", 8.0));
}

void write_gguf_keys(const ModelConfig& c, const std::string& prefix, io::gguf::Writer& w) {
  w.set_f32(prefix + "attention.max_alibi_bias", c.alibi_max_bias);
}

// ALiBi, LayerNorm without biases, no linear biases, GELU.
void read_hf_config(const io::JsonFields& f, const std::string& /*model_type*/, ModelConfig& c) {
  c.n_embd = io::req_i32(f, "d_model");
  c.n_head = io::req_i32(f, "n_heads");
  c.n_head_kv = c.n_head;
  c.n_layer = io::req_i32(f, "n_layers");
  if (c.n_embd % c.n_head != 0) f.fail("d_model", "is not a multiple of n_heads");
  c.head_dim = c.n_embd / c.n_head;
  c.n_ff = io::to_i32(f, "expansion_ratio", int64_t{io::opt_i32(f, "expansion_ratio", 4)} * c.n_embd);
  c.n_vocab = io::req_i32(f, "vocab_size");
  c.n_ctx_train = io::opt_i32(f, "max_seq_len", 2048);
  c.norm_eps = static_cast<float>(f.number_or("layer_norm_epsilon", 1e-5));
  c.tied_embeddings = true;
  if (!f.boolean_or("no_bias", true)) f.unsupported("no_bias", "false (biased MPT) is not supported yet");
  if (f.has("logit_scale")) f.unsupported("logit_scale", "is not supported yet");
  const nlohmann::json* attn = f.object("attn_config");
  const nlohmann::json empty = nlohmann::json::object();
  const io::JsonFields a = f.nested(attn != nullptr ? *attn : empty, "attn_config");
  if (!a.boolean_or("alibi", false)) a.unsupported("alibi", "false (learned positions) is not supported");
  if (a.has("clip_qkv")) a.unsupported("clip_qkv", "is not supported yet");
  if (a.boolean_or("qk_ln", false)) a.unsupported("qk_ln", "true is not supported yet");
  c.alibi_max_bias = static_cast<float>(a.number_or("alibi_bias_max", 8.0));
  if (a.has("softmax_scale")) c.attn_scale = static_cast<float>(a.number("softmax_scale"));
  c.n_rot = 0;
}

void map_hf_tensors(io::HfTensors& t, ModelConfig& c, model::ModelWeights& w) {
  const int64_t D = c.n_embd, F = c.n_ff;
  w.tok_embd = t.matrix("transformer.wte.weight", c.n_vocab, D);
  set_norm(t, w.output_norm, w.output_norm_b, "transformer.norm_f", D, false);
  set_output(t, c, w, "lm_head.weight");
  w.layers.resize(static_cast<size_t>(c.n_layer));
  for (int32_t l = 0; l < c.n_layer; ++l) {
    model::LayerWeights& L = w.layers[static_cast<size_t>(l)];
    auto n = [&](const std::string& rest) { return layer_name("transformer.blocks.", l, rest); };
    set_norm(t, L.attn_norm, L.attn_norm_b, n("norm_1"), D, false);
    set_norm(t, L.ffn_norm, L.ffn_norm_b, n("norm_2"), D, false);
    set_stacked_qkv(t, L, n("attn.Wqkv.weight"), n("attn.Wqkv.bias"), D, D, D);
    L.wo = t.matrix(n("attn.out_proj.weight"), D, D);
    set_up_down_ffn(t, L, n("ffn.up_proj"), n("ffn.down_proj"), D, F);
  }
}

constexpr std::string_view kHfTypes[] = {"mpt"};

}  // namespace

extern const ArchSpec kMpt;
constinit const ArchSpec kMpt = {
    .name = "mpt",
    .hf_model_types = kHfTypes,
    .layout = derive_layout(kNeoxBlock, {.positions = PositionKind::kAlibi,
                                        .parallel_residual = false,
                                        .qkv_bias = Bias::kNone,
                                        .out_bias = Bias::kNone,
                                        .ffn_bias = Bias::kNone}),
    .read_hf_config = read_hf_config,
    .map_hf_tensors = map_hf_tensors,
    .read_gguf_keys = read_gguf_keys,
    .write_gguf_keys = write_gguf_keys,
};

}  // namespace sinkstream::model::arch
