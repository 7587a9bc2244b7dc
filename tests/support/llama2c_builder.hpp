// Builds small llama2.c checkpoints in memory for tests: random f32 weights
// (deterministic from a seed), norms at 1, editable tensor by tensor, written
// in llama2.c's file layout (28-byte header, tensors in run.c order, the legacy
// RoPE tables, shared classifier).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sinkstream::test {

struct Llama2cDims {
  int32_t dim = 32, hidden = 48, n_layers = 2, n_heads = 2, n_kv_heads = 2, vocab = 16, seq_len = 64;
};

class Llama2cBuilder {
 public:
  // Matrices and embeddings uniform in [-scale, scale]; norm weights 1.
  Llama2cBuilder(const Llama2cDims& d, uint32_t seed, float scale);

  // Row-major [rows][cols] storage of a tensor: "embed" [vocab][dim]; per layer
  // "attn_norm" [dim], "wq" [dim][dim], "wk"/"wv" [kv_dim][dim], "wo" [dim][dim],
  // "ffn_norm" [dim], "w1"/"w3" [hidden][dim], "w2" [dim][hidden]; "final_norm" [dim].
  float* tensor(const std::string& name, int32_t layer = 0);

  void save(const std::string& path) const;
  const Llama2cDims& dims() const { return d_; }

 private:
  size_t offset(const std::string& name, int32_t layer) const;
  Llama2cDims d_;
  std::vector<float> data_;  // everything after the header, in file order
};

}  // namespace sinkstream::test
