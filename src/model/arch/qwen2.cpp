// The Qwen2 family (Qwen2, Qwen2.5): the llama block with biases on the q, k
// and v projections (none on the output projection), RoPE pairs in the halves
// layout in GGUF files too.
//
//   x = embed(tokens)
//   for each layer: x += Attn_qkv-bias(RMSNorm(x)); x += SwiGLU(RMSNorm(x))
//   logits = Output(RMSNorm(x))
//
// HF config and tensors as llama's (llama.cpp).
#include "model/arch/arch_spec.hpp"
#include "model/arch/llama.hpp"

namespace sinkstream::model::arch {

namespace {
constexpr std::string_view kHfTypes[] = {"qwen2"};
}  // namespace

// The llama block with the differences above.
extern const ArchSpec kQwen2;
constinit const ArchSpec kQwen2 = llama_like_entry(
    "qwen2", kHfTypes,
    derive_layout(kLlamaBlock,
                  {.gguf_rope_layout = RopeLayout::kHalves, .qkv_bias = Bias::kAlways, .out_bias = Bias::kNone}));

}  // namespace sinkstream::model::arch
