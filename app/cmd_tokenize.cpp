// sinkstream tokenize: UTF-8 text on stdin -> token ids on one line.
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "commands.hpp"
#include "model_args.hpp"
#include "sinkstream/model.hpp"

namespace sinkstream::cli {

namespace {
struct TokenizeArgs {
  std::string model;
  std::string tokenizer;
  bool no_bos = false;
  bool special = false;
};
}  // namespace

Runner add_tokenize(CLI::App& app) {
  auto args = std::make_shared<TokenizeArgs>();
  CLI::App* cmd = app.add_subcommand("tokenize", "Read UTF-8 text on stdin and print its token ids, space-separated, on one line");
  cmd->add_option("-m,--model", args->model, kModelHelp)->required();
  cmd->add_option("-z,--tokenizer", args->tokenizer,
                  "Tokenizer file for llama2.c models (default: tokenizer.bin or tok<vocab>.bin beside the model)");
  cmd->add_flag("--no-bos", args->no_bos, "Do not prepend the beginning-of-sequence token");
  cmd->add_flag("--special", args->special,
                "Parse special-token text in the input (e.g. <|endoftext|>, <s>) as those tokens instead of plain text");
  return [args]() {
    LoadOptions lo;
    lo.tokenizer_path = args->tokenizer;
    lo.tokenizer_only = true;
    const auto model = Model::load(args->model, lo);
    const std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    const auto ids = model->tokenizer().encode(text, !args->no_bos, args->special);
    std::string line;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i) line += ' ';
      line += std::to_string(ids[i]);
    }
    std::cout << line << '\n';
    return 0;
  };
}

}  // namespace sinkstream::cli
