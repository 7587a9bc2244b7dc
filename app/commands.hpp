// Each subcommand lives in its own file and registers itself on the CLI11 app.
// The callback runs the command and returns the process exit code; library
// errors propagate as sinkstream::Error and are printed by main().
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace sinkstream::cli {

using Runner = std::function<int()>;

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

}  // namespace sinkstream::cli
