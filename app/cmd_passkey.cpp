// sinkstream passkey: a random number hidden at several depths of filler text,
// asked for at the end; greedy answers scored per depth and cache policy.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "plot/plot.hpp"
#include "device_args.hpp"
#include "commands.hpp"
#include "eval/memory_budget.hpp"
#include "eval/passkey.hpp"
#include "eval/policy_list.hpp"
#include "input.hpp"
#include "progress.hpp"
#include "sinkstream/cache_policy.hpp"
#include "sinkstream/error.hpp"
#include "sinkstream/model.hpp"

namespace sinkstream::cli {

namespace {
struct PasskeyArgs {
  std::string model, tokenizer, cache, plot;
  std::vector<double> depths{0.0, 0.25, 0.5, 0.75, 1.0};
  int64_t length = 1024;
  int trials = 5;
  uint64_t seed = 1;
  int batch = 64;
  int threads = 0;
  std::string device = "cpu";
};
}  // namespace

Runner add_passkey(CLI::App& app) {
  auto a = std::make_shared<PasskeyArgs>();
  CLI::App* cmd = app.add_subcommand(
      "passkey",
      "Passkey retrieval: a 5-digit key hidden at several depths of filler text, asked for at the end; "
      "accuracy of the greedy answer by depth and cache policy");
  cmd->add_option("-m,--model", a->model, "Model file (llama2.c checkpoint .bin, or any format Model::load reads)")
      ->required();
  cmd->add_option("-z,--tokenizer", a->tokenizer,
                  "Tokenizer file for llama2.c models (default: tokenizer.bin or tok<vocab>.bin beside the model)");
  cmd->add_option("-c,--cache", a->cache,
                  "Comma-separated cache policies, each asked the same prompts; a policy is " + CachePolicy::help())
      ->required();
  cmd->add_option("--depths", a->depths,
                  "Comma-separated depths of the key in the filler, from 0 (start) to 1 (just before the question)")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--length", a->length, "Prompt length in tokens (about)")->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--trials", a->trials, "Random keys per depth (the same for every policy)")->capture_default_str()
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--seed", a->seed, "Seed of the random keys")->capture_default_str();
  cmd->add_option("--plot", a->plot, "Draw accuracy against depth, one line per policy (.png or .svg)");
  cmd->add_option("-b,--batch", a->batch, "Prompt tokens evaluated together in one chunk")->capture_default_str()
      ->check(CLI::PositiveNumber);
  add_device_option(cmd, &a->device);
  cmd->add_option("-t,--threads", a->threads, "Worker threads (default: number of cores)")
      ->check(CLI::NonNegativeNumber);
  return [a]() {
    eval::PasskeyOptions o;
    o.policies = eval::parse_policy_list(a->cache);
    if (!a->plot.empty()) {
      plot::check_plot_path(a->plot);
      ensure_writable(a->plot);
    }
    LoadOptions lo;
    lo.tokenizer_path = a->tokenizer;
    const auto model = Model::load(a->model, lo);
    o.depths = a->depths;
    o.length = a->length;
    o.trials = a->trials;
    o.seed = a->seed;
    o.threads = a->threads;
    o.device = to_device(a->device);
    o.batch = a->batch;
    for (const auto& p : o.policies) {
      eval::check_cache_fits(model->config(), p, a->length + o.max_new, a->batch, false, 0.0, eval::physical_memory_bytes());
    }
    ProgressReporter progress("sinkstream passkey", "prompts");
    o.progress = [&progress](const eval::PasskeyProgress& p) { progress.update(p.policy, p.done, p.total, p.seconds); };
    const eval::PasskeyResult r = eval::run_passkey(model, o);
    const std::string name = std::filesystem::path(a->model).filename().string();
    const std::string table = eval::format_passkey_table(r, name);
    std::fwrite(table.data(), 1, table.size(), stdout);
    if (!a->plot.empty()) eval::save_passkey_plot(r, name, a->plot);
    return 0;
  };
}

}  // namespace sinkstream::cli
