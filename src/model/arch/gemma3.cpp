// The Gemma 3 family (text models; the multimodal checkpoints' language model is
// the same): Gemma 2's block without soft-capping, with a per-head (1 + w) RMSNorm
// of q and k before RoPE, and local sliding-window layers (five of every six,
// unless config.json's layer_types says otherwise) that rotate with their own RoPE
// base (10k) while the global layers use rope_theta (1M) and its scaling.
//
//   x = embed(tokens) * sqrt(D)
//   for each layer: x += PostNorm1(Attn(Norm1(x))), q = QNorm(q), k = KNorm(k)
//                   x += PostNorm2(GeGLU(Norm2(x)))
//   logits = Output(Norm(x))
//
// GGUF: "gemma3", names as gemma2 plus blk.N.attn_q_norm / attn_k_norm; the local
// RoPE base in gemma3.rope.freq_base_swa (10k when absent, as llama.cpp assumes).
// HF (model_type gemma3_text): tensors as gemma2 plus self_attn.{q,k}_norm.weight [head_dim];
// RoPE either as rope_theta + rope_scaling + rope_local_base_freq, or (transformers 5)
// rope_parameters {full_attention: {...}, sliding_attention: {...}}.
#include <nlohmann/json.hpp>

#include "io/gguf.hpp"
#include "io/json_fields.hpp"
#include "model/arch/gemma.hpp"
#include "model/arch/hf_config_helpers.hpp"

namespace sinkstream::model::arch {

namespace {

constexpr std::string_view kHfTypes[] = {"gemma3_text"};
constexpr double kLocalTheta = 10000.0;

// The RoPE of one layer type from rope_parameters[type], read as a top-level rope_parameters.
void read_rope_of_type(const io::JsonFields& f, const nlohmann::json& rp, const char* type, ModelConfig& c,
                       double default_theta) {
  if (!rp.contains(type) || !rp.at(type).is_object()) f.fail("rope_parameters", std::string("has no '") + type + "' object");
  const nlohmann::json top = {{"rope_parameters", rp.at(type)}};
  read_hf_rope(io::JsonFields(top, f.path(), std::string(type) + ":"), c, default_theta, 1.0);
}

void read_hf_config(const io::JsonFields& f, const std::string&, ModelConfig& c) {
  read_gemma_hf_config(f, c, 6);
  const nlohmann::json* rp = f.object("rope_parameters");
  if (rp != nullptr && rp->contains("full_attention")) {
    read_rope_of_type(f, *rp, "full_attention", c, 1000000.0);
    ModelConfig local = c;
    local.rope_scaling = RopeScaling{};
    read_rope_of_type(f, *rp, "sliding_attention", local, kLocalTheta);
    if (local.rope_scaling.kind != RopeScalingKind::kNone) {
      f.unsupported("rope_parameters", "scaling of the sliding_attention layers' RoPE is not supported");
    }
    c.sliding_rope_theta = local.rope_theta;
  } else {
    read_hf_rope(f, c, 1000000.0, 1.0);
    c.sliding_rope_theta = f.number_or("rope_local_base_freq", kLocalTheta);
  }
  if (!(c.sliding_rope_theta > 0.0)) f.fail("rope_local_base_freq", "must be > 0");
}

void read_gguf_keys(const io::gguf::File&, const std::string&, ModelConfig& c) {
  c.embed_scale = gemma_embed_scale(c);
  if (c.sliding_rope_theta <= 0.0 && !c.layer_window.empty()) c.sliding_rope_theta = kLocalTheta;
}

}  // namespace

extern const ArchSpec kGemma3;
constinit const ArchSpec kGemma3 = {
    .name = "gemma3",
    .hf_model_types = kHfTypes,
    .layout = derive_layout(kGemmaBlock, {.qk_norm = true}),
    .gguf_swa_period = 6,
    .read_hf_config = read_hf_config,
    .map_hf_tensors = map_gemma_hf_tensors,
    .read_gguf_keys = read_gguf_keys,
};

}  // namespace sinkstream::model::arch
