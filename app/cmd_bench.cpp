// sinkstream bench: throughput, latency and memory against the memory roofline.
//
// Default run (-m MODEL): the SIMD target in use, prefill tokens/s (a
// --prompt-token prompt, 512), decode tokens/s (--decode tokens, 128, greedy,
// after --depth tokens of context), the bytes each decoded token must read
// (weights + live K/V), the machine's read bandwidth (64 KiB chunks
// alternating between threads) and STREAM triad, and the achieved fraction of
// the roofline (bytes per token / time per token / read bandwidth). Every
// figure is the median of --reps repetitions after one warm-up.
//   --long       latency and RSS along one stream at positions 1K, 10K, 100K, ... and --long-max,
//                with the cache policy (argmax tokens; --sample: sampled at temperature 1)
//   --recompute  recompute:W against sink:4:(W-4) for W in --windows (256,512,1024,2048)
//   --json FILE  everything measured, as JSON
// One function per mode: bench_speed.cpp, bench_long.cpp, bench_recompute.cpp, bench_roofline.cpp.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "device_args.hpp"
#include "bench_run.hpp"
#include "commands.hpp"
#include "eval/resources.hpp"
#include "model_args.hpp"
#include "sinkstream/backend.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::cli {

namespace {

void add_bench_options(CLI::App* cmd, BenchArgs* a) {
  cmd->add_option("-m,--model", a->model, kModelHelp)->required();
  cmd->add_option("-z,--tokenizer", a->tokenizer, "Tokenizer file for llama2.c models (default: beside the model)");
  cmd->add_option("-c,--cache", a->cache, "KV cache policy for prefill/decode/--long (see `generate --help`)")->capture_default_str();
  cmd->add_option("--kv-type", a->kv_type, "KV cache storage type: f32 or f16")->capture_default_str()
      ->check(CLI::IsMember({"f32", "f16"}));
  cmd->add_option("-t,--threads", a->threads, "Worker threads (default: number of cores)")->check(CLI::NonNegativeNumber);
  add_device_option(cmd, &a->device);
  cmd->add_option("--reps", a->reps, "Repetitions per figure (the median is reported)")->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--prompt", a->prompt, "Prefill prompt length")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--batch", a->batch, "Prefill chunk size (tokens per forward)")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--decode", a->decode, "Decoded tokens per repetition")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--depth", a->depth, "Context tokens before decoding (e.g. 4096 with -c sink:4:4092 --kv-type f16)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  CLI::Option* long_mode = cmd->add_flag(
      "--long", a->long_mode,
      "Per-token latency and RSS along one stream at positions 1K, 10K, 100K, ... and --long-max");
  cmd->add_option("--long-max", a->long_max, "Last position of --long (reported even when not a power of 10)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--sample", a->sample,
                "--long feeds the model's own samples at temperature 1 from BOS (seeded by --seed) instead of argmax tokens")
      ->needs(long_mode);
  cmd->add_flag("--recompute", a->recompute, "recompute:W against sink:4:(W-4) for W in --windows");
  cmd->add_option("--windows", a->windows, "Windows W of --recompute")->capture_default_str()->delimiter(',');
  cmd->add_flag("--no-bandwidth", a->no_bandwidth, "Skip the bandwidth probes (no roofline)");
  cmd->add_option("--bandwidth-gib", a->bw_gib, "Memory the read-bandwidth probe scans")->capture_default_str();
  cmd->add_option("--json", a->json, "Write the results as JSON to this file");
  cmd->add_option("--seed", a->seed, "Seed (prompt tokens, sampling in --long --sample)")->capture_default_str();
}

BenchRun open_bench(const BenchArgs& a) {
  LoadOptions lo;
  lo.tokenizer_path = a.tokenizer;
  BenchRun run;
  run.model = Model::load(a.model, lo);
  run.options.cache = CachePolicy::parse(a.cache);
  run.options.threads = a.threads;
  run.options.device = to_device(a.device);
  run.options.kv_f16 = a.kv_type == "f16";
  run.options.batch = a.batch;
  run.threads = a.threads > 0 ? a.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  run.tokens = random_tokens(std::max(a.prompt, a.depth) + a.decode + 8, run.model->config().n_vocab, a.seed);
  return run;
}

void print_header(const BenchArgs& a, const BenchRun& run, BenchJson& out) {
  const ModelConfig& c = run.model->config();
  const std::string cache = run.options.cache.to_string();
  std::printf("# sinkstream bench: %s (%s, %d layers, n_embd %d, vocab %d)\n", a.model.c_str(), c.arch.c_str(), c.n_layer,
              c.n_embd, c.n_vocab);
  std::printf("# cache %s, kv %s, device %s, %d threads, simd %s, medians of %d after a warm-up\n", cache.c_str(),
              a.kv_type.c_str(), a.device.c_str(), run.threads, simd_target().c_str(), a.reps);
  out["model"] = a.model;
  out["cache"] = cache;
  out["kv_type"] = a.kv_type;
  out["threads"] = run.threads;
  out["device"] = a.device;
  out["simd"] = simd_target();
  out["reps"] = a.reps;
}

// Peak RSS so far (before the bandwidth probes allocate their own buffers).
void report_peak_rss(BenchJson& out) {
  const double peak = static_cast<double>(eval::peak_rss_bytes()) / (1024.0 * 1024.0);
  std::printf("peak RSS: %.1f MiB\n", peak);
  out["peak_rss_mib"] = peak;
}

void write_json(const std::string& path, const BenchJson& out) {
  std::ofstream f(path, std::ios::binary);
  if (!f) throw Error(ErrorKind::kIo, "cannot write " + path);
  f << out.dump(2) << '\n';
  if (!f.flush()) throw Error(ErrorKind::kIo, "cannot write " + path);
}

int run_bench(const BenchArgs& a) {
  const BenchRun run = open_bench(a);
  BenchJson out;
  print_header(a, run, out);
  bench_prefill(a, run, out);
  const DecodeFigures decode = bench_decode(a, run, out);
  if (a.long_mode) bench_long(a, run, out);
  if (a.recompute) bench_recompute(a, run, out);
  report_peak_rss(out);
  bench_roofline(a, run, decode, out);
  if (!a.json.empty()) write_json(a.json, out);
  return 0;
}

}  // namespace

Runner add_bench(CLI::App& app) {
  return add_command<BenchArgs>(app, "bench",
                                "Measure prefill/decode speed, latency over long streams, memory and the roofline",
                                add_bench_options, run_bench);
}

}  // namespace sinkstream::cli
