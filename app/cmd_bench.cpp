// sinkstream bench: decode speed and memory over a long stream.
//
// --stream N feeds N tokens (the model's own samples) through the cache policy
// and reports, at stream positions 1K, 10K, 100K, 1M (those <= N) and N, the
// median per-token latency over the 1,000 tokens before that position and the
// resident set size there, then the peak RSS. The CPU performance issue adds
// prefill/decode throughput, the recompute comparison and the roofline.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "model_args.hpp"
#include "eval/resources.hpp"
#include "sinkstream/model.hpp"
#include "sinkstream/session.hpp"

namespace sinkstream::cli {

namespace {
struct BenchArgs {
  std::string model, tokenizer, cache = "sink:4:508", kv_type = "f32";
  int64_t stream = 100000;
  int threads = 0;
  uint64_t seed = 1;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}
}  // namespace

Runner add_bench(CLI::App& app) {
  auto a = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand("bench", "Measure per-token decode latency and memory over a long stream");
  cmd->add_option("-m,--model", a->model, kModelHelp)->required();
  cmd->add_option("-z,--tokenizer", a->tokenizer, "Tokenizer file for llama2.c models (default: beside the model)");
  cmd->add_option("-c,--cache", a->cache, "KV cache policy (see `generate --help`)")->capture_default_str();
  cmd->add_option("--kv-type", a->kv_type, "KV cache storage type: f32 or f16")->capture_default_str()
      ->check(CLI::IsMember({"f32", "f16"}));
  cmd->add_option("--stream", a->stream, "Tokens to stream (the model's own samples at temperature 1)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("-t,--threads", a->threads, "Worker threads (default: number of cores)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", a->seed, "Sampling seed")->capture_default_str();
  return [a]() {
    LoadOptions lo;
    lo.tokenizer_path = a->tokenizer;
    const auto model = Model::load(a->model, lo);
    SessionOptions so;
    so.cache = CachePolicy::parse(a->cache);
    so.threads = a->threads;
    so.kv_f16 = a->kv_type == "f16";
    so.sampler.temperature = 1.0f;
    so.sampler.seed = a->seed;
    Session session(model, so);

    std::vector<int64_t> marks;
    for (int64_t m = 1000; m <= a->stream; m *= 10) marks.push_back(m);
    if (marks.empty() || marks.back() != a->stream) marks.push_back(a->stream);
    std::printf("# sinkstream bench --stream %lld: %s, cache %s, kv %s, %d threads\n",
                static_cast<long long>(a->stream), a->model.c_str(), so.cache.to_string().c_str(),
                a->kv_type.c_str(), a->threads);
    std::printf("%12s %16s %14s\n", "position", "median_us/token", "rss_MiB");
    using clock = std::chrono::steady_clock;
    std::vector<double> window;  // latencies of the last 1,000 tokens (us)
    window.reserve(1000);
    size_t next_mark = 0;
    int32_t token = model->has_tokenizer() ? model->tokenizer().bos_id() : 1;
    const auto t_start = clock::now();
    for (int64_t pos = 0; pos < a->stream; ++pos) {
      const auto t0 = clock::now();
      session.eval(token);
      token = session.sample();
      const auto t1 = clock::now();
      if (window.size() == 1000) window.erase(window.begin());
      window.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      if (next_mark < marks.size() && pos + 1 == marks[next_mark]) {
        std::printf("%12lld %16.2f %14.2f\n", static_cast<long long>(pos + 1), median(window),
                    static_cast<double>(current_rss_bytes()) / (1024.0 * 1024.0));
        std::fflush(stdout);
        ++next_mark;
      }
    }
    const double total = std::chrono::duration<double>(clock::now() - t_start).count();
    std::printf("# %lld tokens in %.1f s (%.0f tokens/s); cache %.1f KiB; peak RSS %.2f MiB\n",
                static_cast<long long>(a->stream), total, static_cast<double>(a->stream) / total,
                static_cast<double>(session.cache_bytes()) / 1024.0,
                static_cast<double>(peak_rss_bytes()) / (1024.0 * 1024.0));
    return 0;
  };
}

}  // namespace sinkstream::cli
