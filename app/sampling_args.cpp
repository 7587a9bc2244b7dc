#include "sampling_args.hpp"

#include <chrono>

namespace sinkstream::cli {

void add_sampling_options(CLI::App* cmd, SamplingArgs* a) {
  cmd->add_option("--temp", a->temp, "Sampling temperature; 0 = greedy (argmax)")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--top-k", a->top_k, "Keep only the K most probable tokens; 0 = off")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--top-p", a->top_p, "Nucleus sampling: keep the smallest set with cumulative probability >= P; 1 = off")
      ->capture_default_str()->check(CLI::Range(0.0f, 1.0f));
  cmd->add_option("--min-p", a->min_p, "Drop tokens whose probability is below P times the top token's; 0 = off")
      ->capture_default_str()->check(CLI::Range(0.0f, 1.0f));
  cmd->add_option("--repeat-penalty", a->repeat_penalty, "Penalty on recently seen tokens (>1 discourages repeats); 1 = off")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--repeat-last-n", a->repeat_last_n, "How many recent tokens the repeat penalty looks at")->capture_default_str()->check(CLI::NonNegativeNumber);
  a->seed_option = cmd->add_option("--seed", a->seed, "Random seed (default: from the clock; printed in the summary)");
}

uint64_t chosen_seed(const SamplingArgs& a) {
  return a.seed_option != nullptr && a.seed_option->count() > 0
             ? a.seed
             : static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

SamplerParams sampler_params(const SamplingArgs& a, uint64_t seed) {
  SamplerParams p;
  p.temperature = a.temp;
  p.top_k = a.top_k;
  p.top_p = a.top_p;
  p.min_p = a.min_p;
  p.repeat_penalty = a.repeat_penalty;
  p.repeat_last_n = a.repeat_last_n;
  p.seed = seed;
  return p;
}

}  // namespace sinkstream::cli
