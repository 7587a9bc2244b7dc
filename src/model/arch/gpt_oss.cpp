// The gpt-oss family (OpenAI gpt-oss-20b / -120b): pre-RMSNorm blocks whose
// attention has biases on q, k, v and o and a learned sink logit per head, and
// whose feed-forward is a mixture of experts with gpt-oss's clamped SwiGLU.
// Layers alternate between a sliding window and full attention (config.json
// layer_types; GGUF: every even layer slides). YaRN RoPE scaling, halves pairing.
//
//   x = embed(tokens)
//   for each layer: x += Attn_bias,sinks(RMSNorm(x)); x += MoE(RMSNorm(x))
//   MoE(h) = sum over the top-k experts e of softmax_topk(router(h))_e * Expert_e(h)
//   Expert_e(h) = down_e((clamp(up, -7, 7) + 1) * g * sigmoid(1.702 g)) + b_down,
//     g = min(gate, 7), gate = gate_e(h) + b, up = up_e(h) + b
//   logits = Output(RMSNorm(x))
//
// HF tensors (transformers' GptOss*):
//   model.embed_tokens.weight (V, D), model.norm.weight [D], lm_head.weight (V, D)
//   model.layers.N.input_layernorm.weight [D], post_attention_layernorm.weight [D]
//   model.layers.N.self_attn.{q,k,v,o}_proj.{weight,bias}, self_attn.sinks [n_head]
//   model.layers.N.mlp.router.{weight (E, D), bias [E]}
//   model.layers.N.mlp.experts.gate_up_proj [E, D, 2F] (x @ w; gate and up interleaved in the last dim:
//     gate = columns 0, 2, 4, ..., up = 1, 3, 5, ...), gate_up_proj_bias [E, 2F] (same interleave)
//   model.layers.N.mlp.experts.down_proj [E, F, D] (x @ w), down_proj_bias [E, D]
//   or, in OpenAI's published checkpoints (quantization_config quant_method "mxfp4"), the experts
//   as U8 MXFP4: gate_up_proj_blocks [E, 2F, D/32, 16] + gate_up_proj_scales [E, 2F, D/32] (rows
//   interleaved gate/up), down_proj_blocks [E, D, F/32, 16] + down_proj_scales [E, D, F/32]; a
//   block's element 2k sits in the low nibble of byte k, 2k+1 in the high one (transformers'
//   convert_moe_packed_tensors); they load as MXFP4 without a float copy (repacked to ggml's layout).
// GGUF (llama.cpp's "gpt-oss"): blk.N.attn_{q,k,v,output}.{weight,bias}, attn_sinks.weight,
//   post_attention_norm.weight (the norm before the MoE), ffn_gate_inp.{weight,bias},
//   ffn_{gate,up,down}_exps.{weight,bias} (3-D: [D, F, E], [F, D, E]); keys expert_count,
//   expert_used_count, expert_feed_forward_length, attention.sliding_window, rope.scaling.*.
#include <span>

#include "core/quant/mxfp4.hpp"
#include "io/hf_tensors.hpp"
#include "sinkstream/error.hpp"
#include "io/json_fields.hpp"
#include "model/arch/arch_spec.hpp"
#include "model/arch/gpt_oss_keys.hpp"
#include "model/arch/hf_config_helpers.hpp"
#include "model/arch/hf_tensor_helpers.hpp"
#include "model/arch/llama.hpp"

namespace sinkstream::model::arch {

namespace {

void read_hf_config(const io::JsonFields& f, const std::string&, ModelConfig& c) {
  read_hf_llama_sizes(f, c, 1e-5);  // intermediate_size: each expert's width
  c.tied_embeddings = f.boolean_or("tie_word_embeddings", false);
  if (!f.boolean_or("attention_bias", true)) f.unsupported("attention_bias", "gpt-oss without attention biases");
  c.n_expert = io::req_i32(f, "num_local_experts");
  c.n_expert_used = f.has("num_experts_per_tok") ? io::req_i32(f, "num_experts_per_tok")
                                                 : io::req_i32(f, "experts_per_token");
  if (c.n_expert_used > c.n_expert) f.fail("num_experts_per_tok", "exceeds num_local_experts");
  c.swiglu_limit = static_cast<float>(f.number_or("swiglu_limit", 7.0));
  if (!(c.swiglu_limit > 0.0f)) f.fail("swiglu_limit", "must be > 0");
  // layer_types when given, else gpt-oss's pattern: even layers slide, odd ones attend to everything.
  read_hf_layer_windows(f, c, io::opt_i32(f, "sliding_window", 0), all_but_each_period_th, 2);
  read_hf_rope(f, c, 150000.0, 1.0);
}

// gate_up bias [E, 2F] (interleaved) -> gate and up [E*F] each.
void map_experts_gate_up_bias(io::HfTensors& t, const std::string& p, const ModelConfig& c, LayerWeights& L) {
  const int64_t E = c.n_expert, F = c.n_ff;
  const std::vector<float> gb = t.f32_shaped(p + "gate_up_proj_bias", {E, 2 * F});  // [E][2F]
  std::vector<float> bg(static_cast<size_t>(E * F)), bu(bg.size());                  // [E * F] each
  for (size_t r = 0; r < bg.size(); ++r) {
    bg[r] = gb[2 * r];
    bu[r] = gb[2 * r + 1];
  }
  L.ffn_gate_exps_b = t.own(p + "gate_up_proj_bias (gate)", std::move(bg), 1, E * F);
  L.ffn_up_exps_b = t.own(p + "gate_up_proj_bias (up)", std::move(bu), 1, E * F);
}

// gate_up [E, D, 2F] (interleaved) -> gate and up stacks (E*F, D), and their biases.
void map_experts_gate_up(io::HfTensors& t, const std::string& p, const ModelConfig& c, LayerWeights& L) {
  const int64_t E = c.n_expert, D = c.n_embd, F = c.n_ff;
  const std::vector<float> gu = t.f32_shaped(p + "gate_up_proj", {E, D, 2 * F});     // [E][D][2F]
  std::vector<float> gate(static_cast<size_t>(E * F * D)), up(gate.size());          // [E * F][D] each
  for (int64_t e = 0; e < E; ++e) {
    for (int64_t j = 0; j < F; ++j) {
      const size_t row = static_cast<size_t>(e * F + j);
      for (int64_t d = 0; d < D; ++d) {
        const size_t src = static_cast<size_t>((e * D + d) * 2 * F + 2 * j);
        gate[row * static_cast<size_t>(D) + static_cast<size_t>(d)] = gu[src];
        up[row * static_cast<size_t>(D) + static_cast<size_t>(d)] = gu[src + 1];
      }
    }
  }
  L.ffn_gate_exps = t.own(p + "gate_up_proj (gate)", std::move(gate), E * F, D);
  L.ffn_up_exps = t.own(p + "gate_up_proj (up)", std::move(up), E * F, D);
  map_experts_gate_up_bias(t, p, c, L);
}

// n_rows MXFP4 rows of `groups` blocks in ggml's layout (17 bytes a block: scale, then
// element j / j+16 in the low / high nibble of byte j), row r taken from OpenAI's row
// stride * r + offset of blocks [*, groups, 16] and scales [*, groups].
std::vector<uint8_t> repack_openai_mxfp4(std::span<const uint8_t> blocks, std::span<const uint8_t> scales,
                                         int64_t groups, int64_t n_rows, int64_t stride, int64_t offset) {
  std::vector<uint8_t> out(static_cast<size_t>(n_rows * groups) * core::quant::kMxfp4BlockBytes);  // [rows][groups][17]
  uint8_t* dst = out.data();
  for (int64_t r = 0; r < n_rows; ++r) {
    const size_t s = static_cast<size_t>((stride * r + offset) * groups);
    for (int64_t g = 0; g < groups; ++g, dst += core::quant::kMxfp4BlockBytes) {
      const uint8_t* q = blocks.data() + (s + static_cast<size_t>(g)) * 16;
      const auto code = [q](int i) { return static_cast<uint8_t>((q[i / 2] >> (4 * (i % 2))) & 0xF); };
      dst[0] = scales[s + static_cast<size_t>(g)];
      for (int j = 0; j < 16; ++j) dst[1 + j] = static_cast<uint8_t>(code(j) | (code(j + 16) << 4));
    }
  }
  return out;
}

// OpenAI's U8 MXFP4 experts (see the header) -> MXFP4 stacks (E*F, D), (E*F, D) and (E*D, F).
void map_experts_mxfp4(io::HfTensors& t, const std::string& p, const ModelConfig& c, LayerWeights& L) {
  const int64_t E = c.n_expert, D = c.n_embd, F = c.n_ff;
  if (D % 32 != 0 || F % 32 != 0) {
    throw Error(ErrorKind::kFormat, t.file() + ": MXFP4 experts need hidden_size (" + std::to_string(D) +
                                        ") and intermediate_size (" + std::to_string(F) + ") divisible by 32");
  }
  const auto gub = t.u8_shaped(p + "gate_up_proj_blocks", {E, 2 * F, D / 32, 16});
  const auto gus = t.u8_shaped(p + "gate_up_proj_scales", {E, 2 * F, D / 32});
  // Row r = e*F + j of the gate (up) stack is OpenAI's row e*2F + 2j (+ 1): rows 2r (2r + 1).
  L.ffn_gate_exps = t.own_bytes(p + "gate_up_proj_blocks (gate)", repack_openai_mxfp4(gub, gus, D / 32, E * F, 2, 0),
                                core::DType::kMXFP4, E * F, D);
  L.ffn_up_exps = t.own_bytes(p + "gate_up_proj_blocks (up)", repack_openai_mxfp4(gub, gus, D / 32, E * F, 2, 1),
                              core::DType::kMXFP4, E * F, D);
  map_experts_gate_up_bias(t, p, c, L);
  const auto db = t.u8_shaped(p + "down_proj_blocks", {E, D, F / 32, 16});
  const auto ds = t.u8_shaped(p + "down_proj_scales", {E, D, F / 32});
  L.ffn_down_exps = t.own_bytes(p + "down_proj_blocks", repack_openai_mxfp4(db, ds, F / 32, E * D, 1, 0),
                                core::DType::kMXFP4, E * D, F);
  L.ffn_down_exps_b = t.own(p + "down_proj_bias", t.f32_shaped(p + "down_proj_bias", {E, D}), 1, E * D);
}

// down [E, F, D] (x @ w) -> (E*D, F) stack of (out, in) matrices; bias [E, D] -> [E*D].
void map_experts_down(io::HfTensors& t, const std::string& p, const ModelConfig& c, LayerWeights& L) {
  const int64_t E = c.n_expert, D = c.n_embd, F = c.n_ff;
  const std::vector<float> dn = t.f32_shaped(p + "down_proj", {E, F, D});  // [E][F][D]
  std::vector<float> down(dn.size());                                       // [E * D][F]
  for (int64_t e = 0; e < E; ++e) {
    for (int64_t j = 0; j < F; ++j) {
      for (int64_t d = 0; d < D; ++d) {
        down[static_cast<size_t>((e * D + d) * F + j)] = dn[static_cast<size_t>((e * F + j) * D + d)];
      }
    }
  }
  L.ffn_down_exps = t.own(p + "down_proj", std::move(down), E * D, F);
  L.ffn_down_exps_b = t.own(p + "down_proj_bias", t.f32_shaped(p + "down_proj_bias", {E, D}), 1, E * D);
}

void map_hf_tensors(io::HfTensors& t, ModelConfig& c, ModelWeights& w) {
  map_llama_embeddings(t, c, w);
  for (int32_t l = 0; l < c.n_layer; ++l) {
    LayerWeights& L = w.layers[static_cast<size_t>(l)];
    auto n = [&](const std::string& rest) { return layer_name("model.layers.", l, rest); };
    map_llama_attention(t, c, l, L);  // q/k/v biases required (c.attn_bias)
    if (L.bo.empty()) t.vector(n("self_attn.o_proj.bias"), c.n_embd);  // throws naming it
    L.attn_sinks = t.vector(n("self_attn.sinks"), c.n_head);
    L.ffn_norm = t.vector(n("post_attention_layernorm.weight"), c.n_embd);
    L.ffn_gate_inp = t.matrix(n("mlp.router.weight"), c.n_expert, c.n_embd);
    L.ffn_gate_inp_b = t.vector(n("mlp.router.bias"), c.n_expert);
    if (t.has_u8(n("mlp.experts.gate_up_proj_blocks"))) {
      map_experts_mxfp4(t, n("mlp.experts."), c, L);
    } else {
      map_experts_gate_up(t, n("mlp.experts."), c, L);
      map_experts_down(t, n("mlp.experts."), c, L);
    }
  }
}

constexpr std::string_view kHfTypes[] = {"gpt_oss"};

}  // namespace

extern const ArchSpec kGptOss;
constinit const ArchSpec kGptOss = {
    .name = "gpt-oss",
    .hf_model_types = kHfTypes,
    .layout = derive_layout(kLlamaBlock, {.ffn = FfnKind::kSwiGluOai,
                                          .gguf_rope_layout = RopeLayout::kHalves,
                                          .qkv_bias = Bias::kAlways,
                                          .out_bias = Bias::kAlways,
                                          .ffn_bias = Bias::kAlways}),
    .gguf_ffn_norm = "post_attention_norm",
    .gguf_swa_period = 2,  // llama.cpp's files: every even layer slides
    .read_hf_config = read_hf_config,
    .map_hf_tensors = map_hf_tensors,
    .read_gguf_keys = read_gpt_oss_gguf_keys,
    .write_gguf_keys = write_gpt_oss_gguf_keys,
};

}  // namespace sinkstream::model::arch
