// Building blocks shared by the architecture files: embedding lookup, row-wise
// norms, the attention block (projections, RoPE/ALiBi through the cache policy,
// attention, output projection) and the feed-forward variants. All work on a
// chunk of T rows held in ForwardScratch.
#pragma once

#include <cstdint>
#include <span>

#include "model/forward.hpp"

namespace sinkstream::blocks {

// s.x[T][n_embd] = embedding rows of tokens[T].
void embed(const ModelConfig& c, const ModelWeights& w, ForwardScratch& s, std::span<const int32_t> tokens);

// out[T][n] = norm(in[T][n]) with weight (and bias for LayerNorm), per the config's norm kind.
void norm_rows(const ModelConfig& c, const TensorView& weight, const TensorView& bias, const float* in, float* out,
               int64_t T);

// Appends the chunk to the cache (fills s.place and the per-query views). Call once per chunk.
void prepare_chunk(const ModelConfig& c, KvCache& cache, ForwardScratch& s, int64_t pos0, int64_t T);

// s.att -> s.proj: attention of layer `l` for the T rows of `in` ([T][n_embd]):
// q/k/v projections (+ biases), RoPE through the cache policy, attention, output projection.
void attention_block(const ModelConfig& c, const LayerWeights& L, int32_t l, KvCache& cache, ThreadPool& pool,
                     ForwardScratch& s, const float* in, int64_t T);

// s.proj[T][n_embd] = FFN(in[T][n_embd]): SwiGLU (gate, up, down) or GELU (up, down).
void ffn_block(const ModelConfig& c, const LayerWeights& L, ThreadPool& pool, ForwardScratch& s, const float* in,
               int64_t T);

// x[T][n] += y[T][n]
void add_rows(float* x, const float* y, int64_t n);

// Final norm and classifier: logits for rows [first, T) -> out [(T-first)][n_vocab].
void output_logits(const ModelConfig& c, const ModelWeights& w, ThreadPool& pool, ForwardScratch& s, int64_t T,
                   int64_t first, float* out);

}  // namespace sinkstream::blocks
