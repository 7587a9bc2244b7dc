// sinkstream synth: writes a random-weight GGUF model with the exact shapes of
// a real one (src/eval/synth_model.hpp), for benchmarks at real sizes:
//   sinkstream synth --shape tinyllama-1.1b --type q8_0 -o tl.gguf --vocab ../shared/vocab/ggml-vocab-llama-spm.gguf
#include <cstdio>
#include <memory>
#include <string>

#include "commands.hpp"
#include "eval/synth_model.hpp"
#include "sinkstream/convert.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::cli {

namespace {
struct SynthArgs {
  std::string shape, type = "f16", out, vocab;
  uint64_t seed = 1;
};

}  // namespace

Runner add_synth(CLI::App& app) {
  auto a = std::make_shared<SynthArgs>();
  CLI::App* cmd = app.add_subcommand("synth", "Write a random-weight GGUF model with the shapes of a real one");
  std::string shapes;
  for (const auto& n : eval::synth_shape_names()) shapes += (shapes.empty() ? "" : ", ") + n;
  cmd->add_option("--shape", a->shape, "Shape: " + shapes)->required();
  cmd->add_option("--type", a->type, std::string("Matrix storage type: ") + kWritableTypes + kMxfp4Note)
      ->capture_default_str();
  cmd->add_option("-o,--output", a->out, "Output .gguf file")->required();
  cmd->add_option("--vocab", a->vocab, "Vocab-only GGUF whose tokenizer metadata is copied (padded to the shape's vocabulary)");
  cmd->add_option("--seed", a->seed, "Random seed")->capture_default_str();
  return [a]() {
    eval::SynthOptions o;
    o.type = a->type;
    o.seed = a->seed;
    o.vocab = a->vocab;
    eval::synth_gguf(a->shape, a->out, o);
    std::printf("wrote %s (%s, %s)\n", a->out.c_str(), a->shape.c_str(), a->type.c_str());
    return 0;
  };
}

}  // namespace sinkstream::cli
