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

// The llama block with the differences above.
constexpr BlockLayout layout() {
  BlockLayout l = kLlamaBlock;
  l.gguf_rope_layout = RopeLayout::kHalves;
  l.qkv_bias = Bias::kAlways;
  l.out_bias = Bias::kNone;
  return l;
}

}  // namespace

extern const ArchSpec kQwen2;
constinit const ArchSpec kQwen2 = {
    .name = "qwen2",
    .hf_model_types = kHfTypes,
    .layout = layout(),
    .read_hf_config = read_llama_hf_config,
    .map_hf_tensors = map_llama_hf_tensors,
};

}  // namespace sinkstream::model::arch
