// `sinkstream bench`: its flags, what its modes share, and one function per
// mode. Each mode prints its lines on stdout and adds its keys to the JSON
// report, in the order the command runs them.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "sinkstream/model.hpp"
#include "sinkstream/session.hpp"

namespace sinkstream::cli {

struct BenchArgs {
  std::string model, tokenizer, cache = "sink:4:1020", kv_type = "f32", json, device = "cpu";
  int64_t prompt = 512, decode = 128, depth = 16, long_max = 1000000;
  int threads = 0, reps = 5, batch = 64;
  bool long_mode = false, sample = false, recompute = false, no_bandwidth = false;
  std::vector<int> windows = {256, 512, 1024, 2048};
  uint64_t seed = 1;
  double bw_gib = 1.0;
};

// What every mode runs on: the model, the session options that -c, --kv-type,
// --batch and -t give, the worker count, and random prompt tokens.
struct BenchRun {
  std::shared_ptr<const Model> model;
  SessionOptions options;
  int threads = 1;
  std::vector<int32_t> tokens;  // max(--prompt, --depth) + --decode + 8 ids
};

// The decode figures the roofline compares with.
struct DecodeFigures {
  double tokens_per_s = 0.0, tokens_per_cpu_s = 0.0;
  int64_t keys = 0;  // keys the last decoded token attended to
};

using BenchJson = nlohmann::ordered_json;
using BenchClock = std::chrono::steady_clock;

inline double seconds_since(BenchClock::time_point t0) {
  return std::chrono::duration<double>(BenchClock::now() - t0).count();
}

// The most probable token (decoding without sampler cost).
int32_t argmax_token(std::span<const float> logits);

// Random token ids (the model's speed does not depend on them).
std::vector<int32_t> random_tokens(int64_t n, int32_t n_vocab, uint64_t seed);

// Prefill tokens/s: a --prompt-token prompt into a fresh session per repetition.
void bench_prefill(const BenchArgs& a, const BenchRun& run, BenchJson& out);

// Decode tokens/s: --decode argmax tokens after --depth tokens of context.
DecodeFigures bench_decode(const BenchArgs& a, const BenchRun& run, BenchJson& out);

// --long: per-token latency and RSS along one stream at positions 1K, 10K, ...
// and --long-max; argmax tokens, or sampled ones with --sample.
void bench_long(const BenchArgs& a, const BenchRun& run, BenchJson& out);

// --recompute: recompute:W against sink:4:(W-4) for W in --windows.
void bench_recompute(const BenchArgs& a, const BenchRun& run, BenchJson& out);

// Bytes per decoded token and, unless --no-bandwidth, the bandwidth probes and
// the fraction of the roofline the decode reached.
void bench_roofline(const BenchArgs& a, const BenchRun& run, const DecodeFigures& decode, BenchJson& out);

}  // namespace sinkstream::cli
