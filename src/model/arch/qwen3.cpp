// The Qwen3 family (dense models): the llama block with a per-head RMSNorm of
// q and k before RoPE, RoPE pairs in the halves layout in GGUF files too.
//
//   x = embed(tokens)
//   for each layer: x += Attn(RMSNorm(x)) with q = RMSNorm_head(q), k = RMSNorm_head(k);
//                   x += SwiGLU(RMSNorm(x))
//   logits = Output(RMSNorm(x))
//
// HF config and tensors as llama's (llama.cpp), plus self_attn.{q,k}_norm.weight [head_dim].
#include "model/arch/arch_spec.hpp"
#include "model/arch/llama.hpp"

namespace sinkstream::model::arch {

namespace {
constexpr std::string_view kHfTypes[] = {"qwen3"};
}  // namespace

// The llama block with the differences above.
extern const ArchSpec kQwen3;
constinit const ArchSpec kQwen3 = llama_like_entry(
    "qwen3", kHfTypes, derive_layout(kLlamaBlock, {.gguf_rope_layout = RopeLayout::kHalves, .qk_norm = true}));

}  // namespace sinkstream::model::arch
