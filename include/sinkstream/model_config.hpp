// Hyperparameters and architecture properties of a loaded model. Everything a
// forward pass needs to know that is not a weight lives here.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

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
enum class FfnKind {
  kSwiGlu,   // down(silu(gate(x)) * up(x))
  kGelu,     // down(gelu_tanh(up(x))): GPT-2 "gelu_new"
  kGeluErf,  // down(gelu_erf(up(x))): exact GELU, NeoX/Falcon/MPT "gelu"
  kGeGlu,    // down(gelu_tanh(gate(x)) * up(x)): Gemma's GeGLU
  kSwiGluOai, // gpt-oss: down((clamp(up, -L, L) + 1) * g * sigmoid(alpha * g)), g = min(gate, L)
              // (ModelConfig::swiglu_alpha, swiglu_limit), biases on gate, up and down
};

// Whether the feed-forward has a gate matrix (SwiGLU, GeGLU).
inline bool ffn_is_gated(FfnKind k) { return k == FfnKind::kSwiGlu || k == FfnKind::kGeGlu; }

// How RoPE frequencies are rescaled for context extension.
enum class RopeScalingKind {
  kNone,
  kLinear,  // positions divided by factor (every frequency / factor)
  kLlama3,  // Llama 3.1: low frequencies / factor, high kept, a smooth band between
  kFactors, // explicit per-pair divisors (GGUF rope_freqs.weight, as llama.cpp writes for Llama 3.1+)
  kYarn,    // YaRN (gpt-oss): a ramp between kept (high) and divided-by-factor (low) frequencies,
            // and every score multiplied by attn_factor^2 (cos and sin scaled by attn_factor, as HF does)
};

struct RopeScaling {
  RopeScalingKind kind = RopeScalingKind::kNone;
  double factor = 1.0;
  double low_freq_factor = 1.0;           // llama3
  double high_freq_factor = 4.0;          // llama3
  int64_t original_context = 8192;        // llama3: original_max_position_embeddings
  std::vector<double> freq_factors;       // kFactors: [n_rot/2], frequency i is divided by freq_factors[i]
  // LongRoPE (Phi-3 "su" / "longrope"): kFactors whose list is chosen per forward call, as
  // transformers does: long_factors when the call ends past original_context tokens, else
  // short_factors (model::ForwardScratch::select_rope); freq_factors holds the list for the
  // model's whole context (n_ctx_train > original_context: long), which GGUF export writes;
  // cos/sin scaled by attention_factor(), i.e. attention scores by its square (full rotary only).
  std::vector<double> long_factors, short_factors;  // [n_rot/2] each, or empty (not LongRoPE)
  double beta_fast = 32.0;                // yarn: rotations at which the ramp starts (kept above)
  double beta_slow = 1.0;                 // yarn: rotations at which it ends (divided below)
  bool truncate = true;                   // yarn: ramp ends rounded to whole dims (floor / ceil)
  // Scale of cos and sin of q and k (LongRoPE, YaRN); 0 = the default: 0.1 ln(factor) + 1 for YaRN, else 1.
  double attn_factor = 0.0;

  // The factor queries and keys are scaled by: every attention score by its square.
  double attention_factor() const {
    if (attn_factor > 0.0) return attn_factor;
    if (kind != RopeScalingKind::kYarn) return 1.0;
    return factor > 1.0 ? 0.1 * std::log(factor) + 1.0 : 1.0;
  }
};

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
  RopeScaling rope_scaling;      // frequency rescaling (none for llama2.c)

  // Block structure. Sequential (default): x += Attn(N1(x)); x += FFN(N2(x)).
  // Parallel: x += Attn(N1(x)) + FFN(N2(x)), with N2 == N1 when the layer has
  // no ffn_norm (Falcon-7B's single input_layernorm).
  bool parallel_residual = false;
  bool attn_bias = false;        // q/k/v (and maybe o) projections have biases
  bool ffn_bias = false;         // feed-forward projections have biases
  bool qk_norm = false;          // per-head RMSNorm of q and k before RoPE (Qwen3)
  float alibi_max_bias = 8.0f;   // ALiBi: slope_h = 2^(-max_bias * (h+1) / n_pow2) (MPT style)
  float attn_scale = 0.0f;       // score scale; 0 = 1/sqrt(head_dim)
  int32_t sliding_window = 0;    // the model's own attention window (Mistral, Gemma); 0 = none. Which
                                 // layers use it: layer_window.
  // Per-layer attention plan ([n_layer] or empty = every layer full attention): the keys a query of
  // layer l sees at most, its own included (its sliding window), 0 = every key the cache policy keeps.
  // The cache gives each windowed layer its own window:W storage whatever the session's policy.
  std::vector<int32_t> layer_window;
  // RoPE base of the windowed layers when it differs from rope_theta (Gemma 3's rope_local_base_freq;
  // those layers then use no frequency scaling); 0 = every layer rotates with rope_theta / rope_scaling.
  double sliding_rope_theta = 0.0;
  float embed_scale = 0.0f;      // token embeddings multiplied by this (Gemma: sqrt(n_embd) in f32); 0 = none
  float attn_softcap = 0.0f;     // > 0: attention scores capped as cap * tanh(score / cap) (Gemma 2)
  float final_softcap = 0.0f;    // > 0: logits capped the same way (Gemma 2)
  // Attention softmax variants (model properties, not cache policies):
  bool attn_softmax_one = false; // "softmax-off-by-one": an extra logit fixed at 0 in every head's denominator
  // (learned per-head sink logits are a weight: LayerWeights::attn_sinks)

  // Mixture of experts (gpt-oss): n_expert > 0 replaces each layer's feed-forward by n_expert
  // experts of width n_ff; a router (with bias) picks n_expert_used per token and weighs them by
  // the softmax of their router logits.
  int32_t n_expert = 0;
  int32_t n_expert_used = 0;
  float swiglu_alpha = 1.702f;   // kSwiGluOai
  float swiglu_limit = 7.0f;     // kSwiGluOai

  // Sliding window of layer l (0 = full attention).
  int32_t window_of(int32_t l) const {
    return layer_window.empty() ? 0 : layer_window[static_cast<size_t>(l)];
  }
  // Whether layer l rotates with sliding_rope_theta instead of the model-wide RoPE.
  bool local_rope(int32_t l) const { return sliding_rope_theta > 0.0 && window_of(l) > 0; }
  int32_t kv_dim() const { return n_head_kv * head_dim; }
  int32_t q_dim() const { return n_head * head_dim; }
};

}  // namespace sinkstream
