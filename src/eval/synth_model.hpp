// Random-weight models with the exact shapes of real ones, for benchmarks at
// real sizes without downloading weights (`sinkstream synth`). Speed does not
// depend on weight values.
//
// Weights are uniform with variance gain^2 / cols (gain 1; the output
// projections wo and ffn_down get 1 / sqrt(2 n_layer), GPT-2 style), norms 1,
// biases small, token embeddings ~0.02: activations stay O(1) over long streams.
// Llama-3.2-1B is written with plain RoPE (theta 500000, no rope_freqs /
// llama3 frequency scaling): the same cost per token.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sinkstream/model_config.hpp"

namespace sinkstream::eval {

// Known shape names: tinyllama-1.1b, llama-3.2-1b, qwen2.5-0.5b, smollm-135m, pythia-160m,
// gpt-oss-20b and gpt-oss-20b-4l (its first 4 layers: the 20b's file is ~13 GB in MXFP4, and the
// writer holds a file in memory, twice, so the full shape needs ~26 GB of RAM).
std::vector<std::string> synth_shape_names();
// Throws kInvalidArg for an unknown name.
ModelConfig synth_shape(const std::string& name);

struct SynthOptions {
  std::string type = "f16";  // matrices, one of kWritableTypes (sinkstream/convert.hpp); vectors stay f32
  uint64_t seed = 1;
  std::string vocab;         // vocab-only GGUF whose tokenizer is copied in, padded with unused tokens up to n_vocab; "" = none
  std::string name;                  // general.name (default "synth-" + shape)
};

// Builds the random weights (f16 in memory, ~2 bytes per parameter; a mixture-of-experts
// model directly in its stored types) and writes them with export_gguf.
void synth_gguf(const std::string& shape, const std::string& path, const SynthOptions& o);

}  // namespace sinkstream::eval
