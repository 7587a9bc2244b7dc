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

#include <memory>
#include <string>

#include "io/mapped_file.hpp"
#include "model/weights.hpp"
#include "sinkstream/model_config.hpp"

namespace sinkstream {

struct Llama2cCheckpoint {
  ModelConfig config;
  ModelWeights weights;
};

// Validates every header field against the file size before touching the data.
// Throws sinkstream::Error naming the file and the field.
Llama2cCheckpoint load_llama2c(std::shared_ptr<const MappedFile> file);

// True when the first bytes look like a llama2.c header (7 positive-ish int32s that
// predict the file size). Used for format detection only.
bool looks_like_llama2c(const MappedFile& file);

}  // namespace sinkstream
