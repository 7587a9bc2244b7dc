// Writes a model (config + weights, any source format) and optionally its
// vocabulary as a GGUF v3 file with llama.cpp's key and tensor names, so other
// GGUF engines load it. Used by `convert`, `quantize` and `synth`.
//
// Matrices (2-D weights) are stored as `type` (see export_matrix_type for MXFP4; quantized by the reference
// quantizers; a matrix whose row length is not a multiple of the block size
// falls back to f16, as llama.cpp does); vectors (norms, biases, sink logits)
// stay f32. The family entry (src/model/arch/) says how its GGUF files differ:
// when they pair RoPE dims as adjacent pairs (llama) and the source uses halves
// (HF Llama), the Q/K rows are permuted, exactly as llama.cpp's converter does,
// so the file means the same thing everywhere; families whose llama.cpp loaders
// read one fused attn_qkv get it; the entry writes its own metadata keys.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/dtype.hpp"
#include "model/weights.hpp"
#include "sinkstream/model_config.hpp"
#include "tokenizer/vocab_data.hpp"

namespace sinkstream::model::formats {

struct GgufExportOptions {
  core::DType type = core::DType::kF32;        // storage type of the matrices
  std::string name;                // general.name
  const tokenizer::VocabData* vocab = nullptr;  // tokenizer metadata to embed, or null
  // Further string keys to write as they are: (key, value), e.g. the chat templates
  // (tokenizer.chat_template, tokenizer.chat_template.NAME) of the source model.
  std::vector<std::pair<std::string, std::string>> strings;
  std::function<void(const std::string& tensor, size_t done, size_t total)> progress;  // optional
};

// The type a matrix is written in: the requested one, except that MXFP4 (the format of gpt-oss's
// experts) goes to the experts only in a mixture-of-experts model, its other matrices taking Q8_0
// (as llama.cpp's MXFP4_MOE file type).
core::DType export_matrix_type(core::DType requested, bool expert, bool moe_model);

void export_gguf(const ModelConfig& c, const ModelWeights& w, const std::string& path, const GgufExportOptions& o);

}  // namespace sinkstream::model::formats
