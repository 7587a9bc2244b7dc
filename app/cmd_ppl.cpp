// sinkstream ppl: per-token NLL of one token stream under several cache
// policies (teacher forcing), perplexity table on stdout, optional CSV, JSON
// and plot. Everything that can be refused is refused before the long run.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "plot/plot.hpp"
#include "device_args.hpp"
#include "commands.hpp"
#include "eval/memory_budget.hpp"
#include "eval/nll_csv.hpp"
#include "eval/policy_list.hpp"
#include "eval/ppl_plot.hpp"
#include "eval/ppl_report.hpp"
#include "eval/ppl_table.hpp"
#include "eval/stream_ppl.hpp"
#include "eval/token_ids.hpp"
#include "input.hpp"
#include "progress.hpp"
#include "sinkstream/cache_policy.hpp"
#include "sinkstream/error.hpp"
#include "sinkstream/model.hpp"

namespace sinkstream::cli {

namespace {

constexpr const char* kPplAbout =
    "Perplexity of one long token stream under several KV cache policies (teacher forcing): "
    "a table of perplexity per bucket of tokens and overall, one column per policy, ratio to the best, tokens/s";

struct PplArgs {
  std::string model, tokenizer, text, ids, cache, nll_out, json;
  std::vector<std::string> plots;
  int64_t tokens = 0;
  int64_t bucket = 1000;
  int batch = 64;
  int threads = 0;
  std::string device = "cpu";
};

// The stream and a name for it: --ids, --text or stdin (text).
std::vector<int32_t> load_stream(const PplArgs& a, const Model& model, std::string* source) {
  if (!a.ids.empty()) {
    *source = a.ids;
    return eval::parse_token_ids(read_input_file(a.ids), a.ids, model.config().n_vocab);
  }
  *source = a.text.empty() ? "stdin" : a.text;
  const std::string text = a.text.empty() ? read_stdin() : read_input_file(a.text);
  if (is_blank(text)) throw Error(ErrorKind::kInvalidArg, *source + ": the text is empty");
  return model.tokenizer().encode(text, /*add_bos=*/true);
}

void write_text(const std::string& path, const std::string& s) {
  std::ofstream f(path, std::ios::binary);
  if (!f) throw Error(ErrorKind::kIo, path + ": cannot open for writing");
  f << s;
  if (!f.flush()) throw Error(ErrorKind::kIo, path + ": write failed");
}

void add_ppl_options(CLI::App* cmd, PplArgs* a) {
  cmd->add_option("-m,--model", a->model, "Model file (llama2.c checkpoint .bin, or any format Model::load reads)")
      ->required();
  cmd->add_option("-z,--tokenizer", a->tokenizer,
                  "Tokenizer file for llama2.c models (default: tokenizer.bin or tok<vocab>.bin beside the model)");
  auto* text = cmd->add_option("--text", a->text,
                               "Text file to evaluate, tokenized with the model's tokenizer (BOS once at the start). "
                               "Without --text or --ids the text is read from stdin");
  auto* ids = cmd->add_option("--ids", a->ids,
                              "File of token ids to evaluate exactly as given: whitespace-separated integers or a "
                              "JSON array (no BOS is added)");
  text->excludes(ids);
  cmd->add_option("-c,--cache", a->cache,
                  "Comma-separated cache policies, each evaluated over the same stream, e.g. dense,window:128,sink:4:124; "
                  "a policy is " + CachePolicy::help())
      ->required();
  cmd->add_option("--tokens", a->tokens, "Evaluate only the first N tokens of the stream (0 = all)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--bucket", a->bucket,
                  "Tokens per table row: perplexity = exp(mean NLL) over each bucket of B predicted tokens "
                  "(a shorter last bucket is marked *)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("-b,--batch", a->batch,
                  "Tokens evaluated together in one forward chunk (also the chunk recompute:W re-runs its window "
                  "in; >= W runs it in one chunk)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--nll-out", a->nll_out,
                  "Write per-token natural-log NLL as CSV: token position, then one column per policy");
  cmd->add_option("--plot", a->plots,
                  "Draw log-perplexity (moving average) against token position, one line per policy; "
                  "the format follows the extension: .png or .svg (repeat --plot for both)")
      ->allow_extra_args(false);
  cmd->add_option("--json", a->json, "Write a machine-readable summary (per policy: perplexity, buckets, tokens/s)");
  add_device_option(cmd, &a->device);
  cmd->add_option("-t,--threads", a->threads, "Worker threads (default: number of cores)")
      ->check(CLI::NonNegativeNumber);
}

// The policies, after refusing bad ones and outputs that cannot be written (before the long run).
std::vector<CachePolicy> check_ppl_request(const PplArgs& a) {
  std::vector<CachePolicy> policies = eval::parse_policy_list(a.cache);
  for (const auto& p : a.plots) plot::check_plot_path(p);
  for (const std::string* out : {&a.nll_out, &a.json}) {
    if (!out->empty()) ensure_writable(*out);
  }
  for (const auto& p : a.plots) ensure_writable(p);
  return policies;
}

// The stream, cut to --tokens (at least 2 tokens). A stream shorter than one
// bucket becomes one bucket: *bucket shrinks, with a note on stderr.
std::vector<int32_t> load_checked_stream(const PplArgs& a, const Model& model, std::string* source, int64_t* bucket) {
  std::vector<int32_t> stream = load_stream(a, model, source);
  if (a.tokens > 0 && static_cast<int64_t>(stream.size()) > a.tokens) stream.resize(static_cast<size_t>(a.tokens));
  const int64_t predicted = static_cast<int64_t>(stream.size()) - 1;
  if (predicted < 1) {
    throw Error(ErrorKind::kInvalidArg, *source + ": the stream has " + std::to_string(stream.size()) +
                                            " token(s), so nothing to predict (need at least 2)");
  }
  if (predicted < *bucket) {
    std::fprintf(stderr, "sinkstream: note: %s has %lld predicted tokens, fewer than --bucket %lld; using --bucket %lld\n",
                 source->c_str(), static_cast<long long>(predicted), static_cast<long long>(*bucket),
                 static_cast<long long>(predicted));
    *bucket = predicted;
  }
  return stream;
}

// Evaluation options; refuses a policy whose cache would not fit in memory.
eval::StreamPplOptions stream_options(const PplArgs& a, const Model& model, const std::vector<CachePolicy>& policies,
                                int64_t stream_tokens) {
  eval::StreamPplOptions so;
  so.policies = policies;
  so.threads = a.threads;
  so.device = to_device(a.device);
  so.batch = a.batch;
  // Pieces of ~256 tokens (whole batches; progress updates between pieces), at most 256 MiB of logits.
  const int64_t V = model.config().n_vocab;
  so.piece = std::max<int64_t>(a.batch, 256 / a.batch * a.batch);
  so.piece = std::max<int64_t>(1, std::min<int64_t>(so.piece, (int64_t{256} << 20) / (V * 4)));
  const size_t phys = eval::physical_memory_bytes();
  for (const auto& p : policies) {
    eval::check_cache_fits(model.config(), p, stream_tokens, a.batch, false, static_cast<double>(so.piece * V) * 4.0, phys);
  }
  return so;
}

// The table on stdout, then the CSV, JSON and plots asked for.
void write_ppl_outputs(const PplArgs& a, const std::vector<eval::PolicyNll>& runs, const std::string& source,
                       int64_t stream_tokens) {
  std::vector<std::string> names;
  std::vector<std::vector<double>> nll;
  for (const auto& r : runs) {
    names.push_back(r.policy);
    nll.push_back(r.nll);
  }
  const eval::PplTable table = eval::make_ppl_table(names, nll, a.bucket);
  eval::PplRunInfo info{a.model, source, stream_tokens, a.batch, a.threads};
  const std::string report = eval::format_ppl_table(table, runs, info);
  std::fwrite(report.data(), 1, report.size(), stdout);
  std::fflush(stdout);
  if (!a.nll_out.empty()) eval::write_nll_csv(a.nll_out, eval::NllColumns{names, nll});
  if (!a.json.empty()) write_text(a.json, eval::ppl_json(table, runs, info));
  for (const auto& p : a.plots) {
    eval::save_ppl_plot(runs, std::filesystem::path(a.model).filename().string(), static_cast<size_t>(a.bucket), p);
  }
}

int run_ppl(const PplArgs& args) {
  PplArgs a = args;  // --bucket may shrink to a short stream
  const std::vector<CachePolicy> policies = check_ppl_request(a);
  LoadOptions lo;
  lo.tokenizer_path = a.tokenizer;
  const auto model = Model::load(a.model, lo);
  std::string source;
  const std::vector<int32_t> stream = load_checked_stream(a, *model, &source, &a.bucket);
  const int64_t n = static_cast<int64_t>(stream.size());
  eval::StreamPplOptions so = stream_options(a, *model, policies, n);
  ProgressReporter progress("sinkstream ppl", "tokens");
  so.progress = [&progress](const eval::StreamProgress& p) {
    progress.update(p.policy + " (" + std::to_string(p.policy_index + 1) + "/" + std::to_string(p.n_policies) + ")",
                    p.done, p.total, p.seconds);
  };
  const std::vector<eval::PolicyNll> runs = eval::evaluate_stream(model, stream, so);
  write_ppl_outputs(a, runs, source, n);
  return 0;
}

}  // namespace

Runner add_ppl(CLI::App& app) { return add_command<PplArgs>(app, "ppl", kPplAbout, add_ppl_options, run_ppl); }

}  // namespace sinkstream::cli
