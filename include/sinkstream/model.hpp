// A loaded model: configuration, weights (memory-mapped where the file allows)
// and tokenizer. Immutable after load; share one Model between many Sessions
// and threads through std::shared_ptr<const Model>.
#pragma once

#include <memory>
#include <string>

#include "sinkstream/model_config.hpp"
#include "sinkstream/tokenizer.hpp"

namespace sinkstream {

struct LoadOptions {
  // Tokenizer file for formats that keep it apart (llama2.c tokenizer.bin).
  // Empty: look beside the model for tokenizer.bin or tok<vocab>.bin.
  std::string tokenizer_path;
  // Load only the tokenizer (vocab-only files, `sinkstream tokenize`).
  bool tokenizer_only = false;
};

struct ModelWeights;  // src/model/weights.hpp

class Model {
 public:
  // Detects the format from the path: llama2.c checkpoint (.bin) or Hugging Face
  // folder (config.json + safetensors; format() "hf"). Throws sinkstream::Error.
  static std::shared_ptr<const Model> load(const std::string& path, const LoadOptions& options = {});

  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelConfig& config() const;
  const Tokenizer& tokenizer() const;  // throws if the model has no tokenizer
  bool has_tokenizer() const;
  bool has_weights() const;
  const std::string& path() const;
  const std::string& format() const;  // "llama2c", ...
  int64_t parameter_count() const;

  // Internal: the weight views for the forward pass.
  const ModelWeights& weights() const;
  // Internal: the vocabulary as GGUF tokenizer metadata (for convert/quantize), or null.
  const struct VocabData* vocab_data() const;

  struct Impl;
  explicit Model(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sinkstream
