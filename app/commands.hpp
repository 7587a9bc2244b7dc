// Each subcommand lives in its own file and registers itself on the CLI11 app.
// The callback runs the command and returns the process exit code; library
// errors propagate as sinkstream::Error and are printed by main().
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

namespace sinkstream::cli {

using Runner = std::function<int()>;

// Registers subcommand `name`: add_options binds its flags to one Args, and
// the Runner calls run on them once the command line is parsed.
template <class Args>
Runner add_command(CLI::App& app, const std::string& name, const std::string& description,
                   void (*add_options)(CLI::App*, Args*), int (*run)(const Args&)) {
  auto a = std::make_shared<Args>();
  add_options(app.add_subcommand(name, description), a.get());
  return [a, run]() { return run(*a); };
}

Runner add_generate(CLI::App& app);
Runner add_tokenize(CLI::App& app);
Runner add_bench(CLI::App& app);
Runner add_convert(CLI::App& app);
Runner add_quantize(CLI::App& app);
Runner add_info(CLI::App& app);
Runner add_ppl(CLI::App& app);
Runner add_passkey(CLI::App& app);
Runner add_synth(CLI::App& app);
Runner add_sinks(CLI::App& app);
Runner add_template(CLI::App& app);
Runner add_chat(CLI::App& app);
Runner add_serve(CLI::App& app);

}  // namespace sinkstream::cli
