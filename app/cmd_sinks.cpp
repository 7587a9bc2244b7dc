// sinkstream sinks: where the attention sinks of a model are, over one token
// stream with the dense cache: attention mass on the first K positions per
// layer/head, sink rate, massive activations, K/V norms and (--ablate) causal
// head ablations. Text summary on stdout; optional JSON and PNG heatmaps.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "analysis/sink_analysis.hpp"
#include "analysis/sink_heatmaps.hpp"
#include "analysis/sink_json.hpp"
#include "analysis/sink_summary.hpp"
#include "commands.hpp"
#include "eval/token_ids.hpp"
#include "input.hpp"
#include "progress.hpp"
#include "sinkstream/error.hpp"
#include "sinkstream/model.hpp"

namespace sinkstream::cli {

namespace {

constexpr const char* kSinksAbout =
    "Find and measure attention sinks over one token stream (dense cache): attention mass on the first K "
    "positions per layer and head, sink rate, massive activations, key/value norms, causal head ablation";

struct SinksArgs {
  std::string model, tokenizer, text, ids, json, png;
  int64_t ctx = 512;
  int32_t first = 4;
  double epsilon = 0.3;
  bool ablate = false;
  int threads = 0;
};

void write_text(const std::string& path, const std::string& s) {
  std::ofstream f(path, std::ios::binary);
  if (!f) throw Error(ErrorKind::kIo, path + ": cannot open for writing");
  f << s;
  if (!f.flush()) throw Error(ErrorKind::kIo, path + ": write failed");
}

// Refuses an output whose folder does not exist, before the long run.
void check_output_dir(const std::string& path, const char* flag) {
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::is_directory(dir, ec)) {
    throw Error(ErrorKind::kIo, std::string(flag) + " " + path + ": folder " + dir.string() + " does not exist");
  }
}

void add_sinks_options(CLI::App* cmd, SinksArgs* a) {
  cmd->add_option("-m,--model", a->model, "Model file or folder (any format Model::load reads)")->required();
  cmd->add_option("-z,--tokenizer", a->tokenizer,
                  "Tokenizer file for llama2.c models (default: tokenizer.bin or tok<vocab>.bin beside the model)");
  auto* text = cmd->add_option("--text", a->text,
                               "Text file, tokenized with the model's tokenizer (BOS once at the start)");
  auto* ids = cmd->add_option("--ids", a->ids,
                              "File of token ids used exactly as given: whitespace-separated integers or a JSON array");
  text->excludes(ids);
  ids->excludes(text);
  cmd->add_option("--ctx", a->ctx, "Analyse the first N tokens of the stream")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{2}, int64_t{1} << 20));
  cmd->add_option("--first", a->first,
                  "K: the first key positions measured (attention mass) and removed (--ablate); statistics use "
                  "the queries at positions >= K")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--epsilon", a->epsilon, "Sink-rate threshold on a head's mean first-token attention, in (0, 1)")
      ->capture_default_str()
      ->check(CLI::Range(1e-9, 1.0 - 1e-9));
  cmd->add_option("--json", a->json, "Write every measurement as JSON (schema: docs/sinks.schema.json)");
  cmd->add_option("--png", a->png,
                  "Write heatmaps PREFIXfirst_mass.png (layer x head first-token mass) and, with --ablate, "
                  "PREFIXablation.png (layer x head delta NLL)");
  cmd->add_flag("--ablate", a->ablate,
                "Causal ablation: for each head, remove the first K keys from that head's attention only "
                "(renormalized) and measure the change in mean NLL; also all heads at once "
                "(n_layer * n_head + 1 extra passes)");
  cmd->add_option("-t,--threads", a->threads, "Worker threads (default: number of cores)")
      ->check(CLI::NonNegativeNumber);
}

// The stream (--ids as given, or --text tokenized with BOS), cut to --ctx tokens.
std::vector<int32_t> load_sinks_stream(const SinksArgs& a, const Model& model, std::string* source) {
  std::vector<int32_t> stream;
  if (!a.ids.empty()) {
    *source = a.ids;
    stream = eval::parse_token_ids(read_input_file(a.ids), a.ids, model.config().n_vocab);
  } else {
    *source = a.text;
    const std::string body = read_input_file(a.text);
    if (is_blank(body)) throw Error(ErrorKind::kInvalidArg, a.text + ": the text is empty");
    stream = model.tokenizer().encode(body, /*add_bos=*/true);
  }
  if (static_cast<int64_t>(stream.size()) > a.ctx) stream.resize(static_cast<size_t>(a.ctx));
  return stream;
}

int run_sinks(const SinksArgs& a) {
  if (a.text.empty() && a.ids.empty()) throw Error(ErrorKind::kInvalidArg, "give the stream with --text or --ids");
  if (!a.json.empty()) check_output_dir(a.json, "--json");
  if (!a.png.empty()) check_output_dir(a.png + "x", "--png");
  LoadOptions lo;
  lo.tokenizer_path = a.tokenizer;
  const auto model = Model::load(a.model, lo);
  std::string source;
  const std::vector<int32_t> stream = load_sinks_stream(a, *model, &source);

  analysis::SinkOptions so;
  so.first = a.first;
  so.epsilon = a.epsilon;
  so.ablate = a.ablate;
  so.threads = a.threads;
  so.source = source;
  ProgressReporter progress("sinkstream sinks", "tokens");
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t n_tokens = static_cast<int64_t>(stream.size());
  so.progress = [&](int64_t done, int64_t total) {  // in tokens fed: passes x stream length
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    progress.update(std::to_string(total) + " passes", done * n_tokens, total * n_tokens, s);
  };
  const analysis::SinkReport r = analysis::analyze_sinks(model, stream, so);
  const std::string summary = analysis::sink_summary(r);
  std::fwrite(summary.data(), 1, summary.size(), stdout);
  if (!a.json.empty()) write_text(a.json, analysis::sink_report_json(r));
  if (!a.png.empty()) {
    for (const std::string& p : analysis::save_sink_heatmaps(r, a.png)) std::printf("wrote %s\n", p.c_str());
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace

Runner add_sinks(CLI::App& app) { return add_command<SinksArgs>(app, "sinks", kSinksAbout, add_sinks_options, run_sinks); }

}  // namespace sinkstream::cli
