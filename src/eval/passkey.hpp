// Passkey retrieval (Mohtashami & Jaggi 2023, used by StreamingLLM): a random
// 5-digit number is hidden at a chosen depth of repetitive filler text and
// asked for at the end; the model's greedy answer is right when its first
// number equals the key. Shows what a streaming cache can recall: a key
// evicted from the window is gone, whatever the sinks do.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sinkstream/backend.hpp"
#include "sinkstream/cache_policy.hpp"
#include "sinkstream/model.hpp"
#include "sinkstream/tokenizer.hpp"

namespace sinkstream::eval {

struct PasskeyPrompt {
  std::vector<int32_t> tokens;  // [n] BOS, intro, filler, key sentence, filler, question
  int64_t key_begin = 0;        // token index where the key sentence starts
  int64_t key_end = 0;          // one past the key sentence
  int n_filler = 0;             // filler repetitions in total
  int n_before = 0;             // of which before the key
};

// A prompt of about target_tokens tokens with the key sentence at `depth`
// (0 = right after the intro, 1 = right before the question) of the filler.
// Throws Error(kInvalidArg) for depth outside [0, 1] or a target too short to
// hold the intro, the key and the question.
PasskeyPrompt make_passkey_prompt(const Tokenizer& tok, int64_t target_tokens, double depth, std::string_view key);

// The first run of ASCII digits in text ("" if none).
std::string first_number(std::string_view text);

struct PasskeyProgress {
  std::string policy;
  int64_t done = 0, total = 0;  // trials finished / to run under this policy
  double seconds = 0;
};

struct PasskeyOptions {
  std::vector<CachePolicy> policies;
  std::vector<double> depths;  // each in [0, 1]
  int64_t length = 1024;       // prompt tokens (about)
  int trials = 5;              // random keys per depth (the same keys for every policy)
  uint64_t seed = 1;
  int32_t threads = 0;
  Device device = Device::kCpu;  // SessionOptions::device
  int32_t batch = 64;
  int max_new = 8;             // greedy tokens generated for the answer
  std::function<void(const PasskeyProgress&)> progress;
};

struct PasskeyCell {
  double depth = 0;
  int trials = 0;
  int correct = 0;
  double key_token_depth = 0;        // mean key_begin / prompt length over the trials
  std::vector<std::string> answers;  // [trials] decoded answers (for inspection)
};

struct PasskeyResult {
  std::vector<std::string> policies;            // [P]
  std::vector<double> depths;                   // [D]
  std::vector<std::vector<PasskeyCell>> cells;  // [P][D]
  int64_t prompt_tokens = 0;                    // longest prompt
  std::vector<double> seconds;                  // [P]
};

PasskeyResult run_passkey(const std::shared_ptr<const Model>& model, const PasskeyOptions& options);

// Table: one row per depth, accuracy (correct/trials) per policy.
std::string format_passkey_table(const PasskeyResult& r, const std::string& model_name);

// Accuracy (%) against depth (%), one line per policy.
void save_passkey_plot(const PasskeyResult& r, const std::string& model_name, const std::string& path);

}  // namespace sinkstream::eval
