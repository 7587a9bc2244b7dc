// Hyperparameters and architecture properties of a loaded model. Everything a
// forward pass needs to know that is not a weight lives here.
#pragma once

#include <cstdint>
#include <string>

namespace sinkstream {

// How RoPE pairs the dimensions of a head.
enum class RopeLayout {
  kInterleaved,  // pairs (x[2i], x[2i+1]): llama2.c and GGUF llama (Q/K rows permuted at conversion)
  kHalves,       // pairs (x[i], x[i + n_rot/2]): GPT-NeoX style, HF Llama, Qwen, Falcon
};

// Where position information enters the model.
enum class PositionKind {
  kRope,     // rotary embedding on q and k (relative: works with every cache policy)
  kAlibi,    // linear bias on the scores (relative)
  kLearned,  // learned absolute position embeddings (only dense and recompute caches)
};

enum class NormKind { kRms, kLayer };
enum class FfnKind { kSwiGlu, kGelu };

struct ModelConfig {
  std::string arch = "llama";    // architecture family name, as in GGUF general.architecture
  int32_t n_embd = 0;            // model width
  int32_t n_ff = 0;              // feed-forward hidden width
  int32_t n_layer = 0;
  int32_t n_head = 0;            // query heads
  int32_t n_head_kv = 0;         // key/value heads (n_head % n_head_kv == 0)
  int32_t head_dim = 0;          // per-head width of q, k and v
  int32_t n_vocab = 0;
  int32_t n_ctx_train = 0;       // trained context length
  float norm_eps = 1e-5f;
  NormKind norm = NormKind::kRms;
  FfnKind ffn = FfnKind::kSwiGlu;
  PositionKind positions = PositionKind::kRope;
  double rope_theta = 10000.0;
  int32_t n_rot = 0;             // rotated dims per head (== head_dim unless partial rotary)
  RopeLayout rope_layout = RopeLayout::kInterleaved;
  bool tied_embeddings = true;   // classifier shares the token embedding matrix
  // Attention softmax variants (model properties, not cache policies):
  bool attn_softmax_one = false; // "softmax-off-by-one": an extra logit fixed at 0 in every head's denominator
  // (learned per-head sink logits are a weight: LayerWeights::attn_sinks)

  int32_t kv_dim() const { return n_head_kv * head_dim; }
  int32_t q_dim() const { return n_head * head_dim; }
};

}  // namespace sinkstream
