// Model hyperparameters and weights from a GGUF file, following the tensor
// names and metadata keys of existing GGUF files (llama.cpp conventions), so
// files made elsewhere load unchanged:
//   {arch}.context_length, .embedding_length, .block_count, .feed_forward_length,
//   .attention.head_count(_kv), .attention.key_length, .attention.layer_norm(_rms)_epsilon,
//   .rope.freq_base, .rope.dimension_count, .rope.scaling.{type,factor},
//   (family keys: see the entries in src/model/arch/);
//   token_embd, position_embd, output_norm, output, blk.N.{attn_norm, attn_q, attn_k,
//   attn_v | attn_qkv (fused [q; k; v] rows), attn_output, attn_q_norm, attn_k_norm,
//   ffn_norm, ffn_gate, ffn_up, ffn_down}(.weight|.bias).
// sinkstream extensions (sinklab variants): {arch}.attention.softmax_one (bool),
// blk.N.attn_sinks(.weight) [n_head] learned sink logits.
//
// general.architecture picks the family entry (src/model/arch/): its layout
// gives the norm, FFN, positions, RoPE pair layout, residual and q/k norm, and
// its reader the family's own keys.
#pragma once

#include <memory>

#include "io/gguf.hpp"
#include "model/weights.hpp"
#include "sinkstream/model_config.hpp"

namespace sinkstream::model::formats {

struct GgufModel {
  ModelConfig config;
  model::ModelWeights weights;
};

// Throws sinkstream::Error naming the file and the key or tensor at fault.
GgufModel load_gguf_model(std::shared_ptr<const io::gguf::File> f);

// Only the hyperparameters (no tensor checks beyond what the config needs).
ModelConfig gguf_model_config(const io::gguf::File& f);

}  // namespace sinkstream::model::formats
