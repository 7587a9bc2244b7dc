// Sampling flags shared by generate and chat: --temp, --top-k, --top-p, --min-p,
// --repeat-penalty, --repeat-last-n, --seed.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>

#include "sinkstream/sampler.hpp"

namespace sinkstream::cli {

struct SamplingArgs {
  float temp = 1.0f;
  int top_k = 0;
  float top_p = 1.0f;
  float min_p = 0.0f;
  float repeat_penalty = 1.0f;
  int repeat_last_n = 64;
  uint64_t seed = 0;
  const CLI::Option* seed_option = nullptr;  // --seed, to tell whether it was given
};

void add_sampling_options(CLI::App* cmd, SamplingArgs* a);

// The seed: --seed, else from the clock.
uint64_t chosen_seed(const SamplingArgs& a);

SamplerParams sampler_params(const SamplingArgs& a, uint64_t seed);

}  // namespace sinkstream::cli
