// sinkstream convert: a Hugging Face folder (or a llama2.c checkpoint, or a
// GGUF file) -> one GGUF file, matrices stored as --type.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "commands.hpp"
#include "model_args.hpp"
#include "sinkstream/convert.hpp"
#include "sinkstream/error.hpp"
#include "sinkstream/model.hpp"
#include "type_names.hpp"

namespace sinkstream::cli {

namespace {
struct ConvertArgs {
  std::string input, output, type = "f32", tokenizer, name;
};
}  // namespace

Runner add_convert(CLI::App& app) {
  auto a = std::make_shared<ConvertArgs>();
  CLI::App* cmd = app.add_subcommand(
      "convert", "Convert a Hugging Face folder (or a llama2.c checkpoint) into a GGUF file that other GGUF engines load");
  cmd->add_option("input", a->input, kModelHelp)->required();
  cmd->add_option("-o,--output", a->output, "Output .gguf file")->required();
  cmd->add_option("--type", a->type, "Storage type of the weight matrices: " + std::string(kWritableTypes) + kMxfp4Note)
      ->capture_default_str();
  cmd->add_option("-z,--tokenizer", a->tokenizer, "Tokenizer file for llama2.c checkpoints (default: beside the model)");
  cmd->add_option("--name", a->name, "general.name written into the file (default: the input's base name)");
  return [a]() {
    check_writable_type(a->type);
    LoadOptions lo;
    lo.tokenizer_path = a->tokenizer;
    const auto model = Model::load(a->input, lo);
    if (!model->has_weights()) throw Error(ErrorKind::kInvalidArg, a->input + ": has no weights to convert");
    GgufWriteOptions o;
    o.type = a->type;
    o.name = a->name.empty() ? base_name(a->input) : a->name;
    o.progress = progress_printer();
    write_gguf(*model, a->output, o);
    std::fprintf(stderr, "%ssinkstream: wrote %s (%s, %s, %s tokenizer)\n", ::isatty(2) ? "\n" : "", a->output.c_str(), model->config().arch.c_str(),
                 a->type.c_str(), model->has_tokenizer() ? "with" : "no");
    return 0;
  };
}

Runner add_quantize(CLI::App& app) {
  auto a = std::make_shared<ConvertArgs>();
  CLI::App* cmd = app.add_subcommand("quantize", "Re-store a GGUF model's weight matrices as another type");
  cmd->add_option("input", a->input, "Input .gguf file")->required();
  cmd->add_option("output", a->output, "Output .gguf file")->required();
  cmd->add_option("type", a->type, std::string("Target type: ") + kWritableTypes + kMxfp4Note)->required();
  return [a]() {
    check_writable_type(a->type);
    const auto model = Model::load(a->input);
    if (!model->has_weights()) throw Error(ErrorKind::kInvalidArg, a->input + ": has no weights to quantize");
    GgufWriteOptions o;
    o.type = a->type;
    o.name = base_name(a->input);
    o.progress = progress_printer();
    write_gguf(*model, a->output, o);
    std::fprintf(stderr, "%ssinkstream: wrote %s (%s)\n", ::isatty(2) ? "\n" : "", a->output.c_str(), a->type.c_str());
    return 0;
  };
}

}  // namespace sinkstream::cli
