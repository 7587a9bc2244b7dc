// Building blocks shared by the architecture files: embedding lookup, row-wise
// norms, the attention block (projections, RoPE/ALiBi through the cache policy,
// attention, output projection) and the feed-forward variants. All work on a
// chunk of T rows held in ForwardScratch, and run every op on the Backend
// (backend/backend.hpp): one call per op per chunk.
#pragma once

#include <cstdint>
#include <span>

#include "model/forward.hpp"

namespace sinkstream::model::blocks {

// s.x[T][n_embd] = embedding rows of tokens[T].
void embed(const ModelConfig& c, const ModelWeights& w, backend::Backend& be, ForwardScratch& s,
           std::span<const int32_t> tokens);

// s.x[T][n_embd] += rows pos0 .. pos0+T-1 of the learned position table w.pos_embd
// (n_ctx_train, n_embd). Throws kRange past the table's end.
void add_learned_positions(const ModelConfig& c, const ModelWeights& w, backend::Backend& be, ForwardScratch& s,
                           int64_t pos0, int64_t T);

// out[T][n] = norm(in[T][n]) with weight (and bias for LayerNorm), per the config's norm kind.
void norm_rows(const ModelConfig& c, backend::Backend& be, const core::TensorView& weight, const core::TensorView& bias,
               const float* in, float* out, int64_t T);

// Appends the chunk to every layer group of the cache (fills s.groups: placements and the
// per-query views). Call once per chunk.
void prepare_chunk(const ModelConfig& c, cache::KvCache& cache, ForwardScratch& s, int64_t pos0, int64_t T);

// s.att -> s.proj: attention of layer `l` for the T rows of `in` ([T][n_embd]):
// q/k/v projections (+ biases), RoPE through the cache policy, attention, output projection.
void attention_block(const ModelConfig& c, const LayerWeights& L, int32_t l, cache::KvCache& cache, backend::Backend& be,
                     ForwardScratch& s, const float* in, int64_t T);

// s.proj[T][n_embd] = FFN(in[T][n_embd]): SwiGLU or GeGLU (gate, up, down) or GELU (up, down).
void ffn_block(const ModelConfig& c, const LayerWeights& L, backend::Backend& be, ForwardScratch& s, const float* in,
               int64_t T);

// One pre-norm layer on s.x[T][n_embd]: x += Attn(N1(x)); x += FFN(N2(x))
// (llama, MPT, GPT-2, GPT-NeoX without parallel residual); with post-norms when the
// layer has them (Gemma): x += P1(Attn(N1(x))); x += P2(FFN(N2(x))).
void sequential_layer(const ModelConfig& c, const LayerWeights& L, int32_t l, cache::KvCache& cache, backend::Backend& be,
                      ForwardScratch& s, int64_t T);

// One parallel layer on s.x[T][n_embd]: x += Attn(N1(x)) + FFN(N2(x)), where N2
// is N1 itself when the layer has no ffn_norm (Falcon-7B) (GPT-NeoX/Pythia, Falcon).
void parallel_layer(const ModelConfig& c, const LayerWeights& L, int32_t l, cache::KvCache& cache, backend::Backend& be,
                    ForwardScratch& s, int64_t T);

// Hands s.x ([T][n_embd], tokens at pos0..) to s.layer_hook, if any, after layer l.
void after_layer(ForwardScratch& s, int32_t l, int64_t pos0, int64_t T);

// Final norm and classifier: logits for rows [first, T) -> out [(T-first)][n_vocab].
void output_logits(const ModelConfig& c, const ModelWeights& w, backend::Backend& be, ForwardScratch& s, int64_t T,
                   int64_t first, float* out);

// How a layer adds its attention and feed-forward outputs to the residual stream.
enum class Residual {
  kSequential,  // sequential_layer
  kParallel,    // parallel_layer
};

// The decoder skeleton every family shares, with forward_chunk()'s contract:
// prepare_chunk, embed (+ learned positions when c.positions is kLearned), each
// layer with residual layout `r` followed by after_layer, then output_logits
// (all rows when all_logits, else the last; nothing when logits is null).
void decoder_forward(const ModelConfig& c, const ModelWeights& w, cache::KvCache& cache, backend::Backend& be, ForwardScratch& s,
                     std::span<const int32_t> tokens, int64_t pos0, float* logits, bool all_logits, Residual r);

}  // namespace sinkstream::model::blocks
