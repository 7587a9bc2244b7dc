// sinkstream — command-line entry point. One subcommand per file in app/.
#include <cstdio>
#include <exception>
#include <map>
#include <string>

#include "commands.hpp"
#include "sinkstream/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "sinkstream: unbounded-length LLM decoding with attention sinks (StreamingLLM), "
      "and a lab to measure them.\nRun `sinkstream COMMAND --help` for the flags of each command."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("sinkstream 0.1.0"));
  std::map<std::string, sinkstream::cli::Runner> runners;
  runners["generate"] = sinkstream::cli::add_generate(app);
  runners["tokenize"] = sinkstream::cli::add_tokenize(app);
  runners["bench"] = sinkstream::cli::add_bench(app);
  runners["convert"] = sinkstream::cli::add_convert(app);
  runners["quantize"] = sinkstream::cli::add_quantize(app);
  runners["info"] = sinkstream::cli::add_info(app);
  runners["ppl"] = sinkstream::cli::add_ppl(app);
  runners["passkey"] = sinkstream::cli::add_passkey(app);
  runners["synth"] = sinkstream::cli::add_synth(app);
  runners["sinks"] = sinkstream::cli::add_sinks(app);
  runners["template"] = sinkstream::cli::add_template(app);
  runners["chat"] = sinkstream::cli::add_chat(app);
  runners["serve"] = sinkstream::cli::add_serve(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (auto* sub : app.get_subcommands()) return runners.at(sub->get_name())();
  } catch (const sinkstream::Error& e) {
    std::fprintf(stderr, "sinkstream: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sinkstream: internal error: %s\n", e.what());
    return 2;
  }
  return 0;
}
