// Writing models as GGUF files with llama.cpp's key and tensor names, so other
// GGUF engines load them: `sinkstream convert` (any model Model::load reads)
// and `sinkstream quantize` (a GGUF re-stored as another type).
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "sinkstream/model.hpp"

namespace sinkstream {

// Storage types the writer accepts for weight matrices (vectors stay f32).
// mxfp4 stores a mixture-of-experts model's experts in MXFP4 and its other matrices in q8_0.
inline constexpr const char* kWritableTypes = "f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, q6_k, mxfp4";
inline constexpr const char* kMxfp4Note = " (mxfp4: the experts of a mixture-of-experts model, its other matrices q8_0)";

struct GgufWriteOptions {
  std::string type = "f32";  // one of kWritableTypes
  std::string name;          // general.name
  // Optional: called once per tensor written (tensor name, done, total).
  std::function<void(const std::string& tensor, size_t done, size_t total)> progress;
};

// Throws Error(kInvalidArg) naming the accepted types when `type` is not one of them.
void check_writable_type(const std::string& type);

// Writes the model's configuration, weights and (when known) tokenizer to
// `path`. Throws Error for a model without weights, an unknown type or an
// architecture GGUF cannot express.
void write_gguf(const Model& model, const std::string& path, const GgufWriteOptions& options);

}  // namespace sinkstream
