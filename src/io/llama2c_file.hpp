// llama2.c "legacy" checkpoints (run.c format) and their tokenizer.bin.
//
// Checkpoint: 7 int32 header {dim, hidden_dim, n_layers, n_heads, n_kv_heads,
// vocab_size (negative = separate classifier), seq_len}, then f32 arrays
// token_embedding (V, D), rms_att (L, D), wq (L, D, D), wk (L, KV, D),
// wv (L, KV, D), wo (L, D, D), rms_ffn (L, D), w1 (L, H, D), w2 (L, D, H),
// w3 (L, H, D), rms_final (D), two unused RoPE tables (seq_len * head/2 each),
// then the classifier (V, D) when not shared. The file size must match exactly.
//
// Tokenizer: int32 max_token_length, then per token {f32 score, int32 len, bytes}.
#pragma once

#include <cstdint>

#include "io/mapped_file.hpp"

namespace sinkstream::io {

// The 7 int32 header fields.
struct Llama2cHeader {
  int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
};

// The f32 arrays of a checkpoint, in the map (L = n_layers, D = dim, H = hidden_dim,
// KV = n_kv_heads * dim / n_heads, V = |vocab_size|).
struct Llama2cArrays {
  const float* token_embedding;  // [V][D]
  const float* rms_att;          // [L][D]
  const float* wq;               // [L][D][D]
  const float* wk;               // [L][KV][D]
  const float* wv;               // [L][KV][D]
  const float* wo;               // [L][D][D]
  const float* rms_ffn;          // [L][D]
  const float* w1;               // [L][H][D]  gate
  const float* w2;               // [L][D][H]  down
  const float* w3;               // [L][H][D]  up
  const float* rms_final;        // [D]
  const float* classifier;       // [V][D], or null when shared with token_embedding (vocab_size > 0)
};

struct Llama2cFile {
  Llama2cHeader header;
  Llama2cArrays arrays;
};

// Validates every header field against the file size before touching the data.
// Throws sinkstream::Error naming the file and the field. The arrays point into `file`.
Llama2cFile read_llama2c(const MappedFile& file);

// True when the first bytes look like a llama2.c header (7 positive-ish int32s that
// predict the file size). Used for format detection only.
bool looks_like_llama2c(const MappedFile& file);

}  // namespace sinkstream::io
