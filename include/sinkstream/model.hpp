// A loaded model: configuration, weights (memory-mapped where the file allows)
// and tokenizer. Immutable after load; share one Model between many Sessions
// and threads through std::shared_ptr<const Model>.
#pragma once

#include <memory>
#include <string>
#include <vector>

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

namespace api {
struct ModelAccess;  // src/api/model_access.hpp: engine-internal views of weights and vocabulary
}

// Weight storage of one tensor type (`info`, the bench's bytes per token).
struct WeightTypeSummary {
  std::string type;        // "f16", "q4_k", ...
  int64_t parameters = 0;
  double bytes = 0;
};

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
  // A learned sink token (sinklab "sink-token" models) that a Session feeds at
  // stream position 0 before the first token.
  bool has_sink_token() const;
  // Learned per-head sink logits (gpt-oss style): an extra logit with no value
  // in every attention softmax (config().attn_softmax_one is the fixed-zero one).
  bool has_learned_sink_logits() const;

  // Parameters and bytes per storage type, over every weight tensor (a tied
  // classifier counted once).
  std::vector<WeightTypeSummary> weight_types() const;
  // Bytes of weight matrices a decoded token reads: every layer's projections
  // and the classifier (embedding rows and vectors are negligible); for a
  // mixture of experts the router and only the active experts' share
  // (n_expert_used / n_expert of the expert matrices).
  double decode_weight_bytes() const;

  struct Impl;
  explicit Model(std::unique_ptr<Impl> impl);

 private:
  friend struct api::ModelAccess;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sinkstream
