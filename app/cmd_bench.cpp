// sinkstream bench: throughput, latency and memory against the memory roofline.
//
// Default run (-m MODEL): the SIMD target in use, prefill tokens/s (a
// --prompt-token prompt, 512), decode tokens/s (--decode tokens, 128, greedy,
// after --depth tokens of context), the bytes each decoded token must read
// (weights + live K/V), the machine's read bandwidth (64 KiB chunks
// alternating between threads) and STREAM triad, and the achieved fraction of
// the roofline (bytes per token / time per token / read bandwidth). Every
// figure is the median of --reps repetitions after one warm-up.
//   --long       per-token latency at stream positions 1K, 10K, 100K, 1M (<= --long-max) with the cache policy
//   --recompute  recompute:W against sink:4:(W-4) for W in --windows (256,512,1024,2048)
//   --stream N   the older mode: N sampled tokens, latency and RSS at 1K, 10K, ...
//   --json FILE  everything measured, as JSON
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "backend/cpu/kernels.hpp"
#include "bench_memory.hpp"
#include "bench_stats.hpp"
#include "commands.hpp"
#include "model_args.hpp"
#include "eval/resources.hpp"
#include "model/weights.hpp"
#include "sinkstream/model.hpp"
#include "sinkstream/error.hpp"
#include "sinkstream/session.hpp"

namespace sinkstream::cli {

namespace {
struct BenchArgs {
  std::string model, tokenizer, cache = "sink:4:1020", kv_type = "f32", json;
  int64_t stream = 0, prompt = 512, decode = 128, depth = 16, long_max = 1000000;
  int threads = 0, reps = 5, batch = 64;
  bool long_mode = false, recompute = false, no_bandwidth = false;
  std::vector<int> windows = {256, 512, 1024, 2048};
  uint64_t seed = 1;
  double bw_gib = 1.0;
};

using clock = std::chrono::steady_clock;

double seconds_since(clock::time_point t0) { return std::chrono::duration<double>(clock::now() - t0).count(); }

int32_t argmax(std::span<const float> x) {
  return static_cast<int32_t>(std::max_element(x.begin(), x.end()) - x.begin());
}

// Random token ids (the model's speed does not depend on them).
std::vector<int32_t> random_tokens(int64_t n, int32_t n_vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int32_t> u(0, n_vocab - 1);
  std::vector<int32_t> v(static_cast<size_t>(n));
  for (auto& t : v) t = u(rng);
  return v;
}

// Bytes of every matrix a decoded token reads (each layer's projections and the classifier).
double weight_bytes(const ModelWeights& w) {
  auto m = [](const TensorView& t) {
    return t.empty() ? 0.0 : static_cast<double>(dtype_row_bytes(t.type, t.cols)) * static_cast<double>(t.rows);
  };
  double b = m(w.output);
  for (const LayerWeights& L : w.layers) b += m(L.wq) + m(L.wk) + m(L.wv) + m(L.wo) + m(L.ffn_gate) + m(L.ffn_up) + m(L.ffn_down);
  return b;
}

// K/V bytes a token reads when attending to `keys` cached tokens.
double kv_bytes(const ModelConfig& c, int64_t keys, bool f16) {
  return static_cast<double>(c.n_layer) * static_cast<double>(keys) * c.kv_dim() * 2.0 * (f16 ? 2.0 : 4.0);
}

struct Json {
  std::ostringstream s;
  bool first = true;
  void kv(const std::string& k, double v) { sep() << '"' << k << "\": " << v; }
  void kv(const std::string& k, const std::string& v) { sep() << '"' << k << "\": \"" << v << '"'; }
  void raw(const std::string& k, const std::string& v) { sep() << '"' << k << "\": " << v; }
  std::ostringstream& sep() {
    s << (first ? "{\n  " : ",\n  ");
    first = false;
    return s;
  }
  std::string str() const { return s.str() + "\n}\n"; }
};

// The older mode: N sampled tokens through the cache policy.
int run_stream(const BenchArgs& a) {
  LoadOptions lo;
  lo.tokenizer_path = a.tokenizer;
  const auto model = Model::load(a.model, lo);
  SessionOptions so;
  so.cache = CachePolicy::parse(a.cache);
  so.threads = a.threads;
  so.kv_f16 = a.kv_type == "f16";
  so.sampler.temperature = 1.0f;
  so.sampler.seed = a.seed;
  Session session(model, so);
  std::vector<int64_t> marks;
  for (int64_t m = 1000; m <= a.stream; m *= 10) marks.push_back(m);
  if (marks.empty() || marks.back() != a.stream) marks.push_back(a.stream);
  std::printf("# sinkstream bench --stream %lld: %s, cache %s, kv %s, %d threads, simd %s\n",
              static_cast<long long>(a.stream), a.model.c_str(), so.cache.to_string().c_str(), a.kv_type.c_str(),
              a.threads, cpu::active_kernels().name);
  std::printf("%12s %16s %14s\n", "position", "median_us/token", "rss_MiB");
  std::vector<double> window;
  window.reserve(1000);
  size_t next_mark = 0;
  int32_t token = model->has_tokenizer() ? model->tokenizer().bos_id() : 1;
  if (token < 0) token = 1;
  const auto t_start = clock::now();
  for (int64_t pos = 0; pos < a.stream; ++pos) {
    const auto t0 = clock::now();
    session.eval(token);
    token = session.sample();
    if (window.size() == 1000) window.erase(window.begin());
    window.push_back(seconds_since(t0) * 1e6);
    if (next_mark < marks.size() && pos + 1 == marks[next_mark]) {
      std::printf("%12lld %16.2f %14.2f\n", static_cast<long long>(pos + 1), median(window),
                  static_cast<double>(current_rss_bytes()) / (1024.0 * 1024.0));
      std::fflush(stdout);
      ++next_mark;
    }
  }
  const double total = seconds_since(t_start);
  std::printf("# %lld tokens in %.1f s (%.0f tokens/s); cache %.1f KiB; peak RSS %.2f MiB\n",
              static_cast<long long>(a.stream), total, static_cast<double>(a.stream) / total,
              static_cast<double>(session.cache_bytes()) / 1024.0,
              static_cast<double>(peak_rss_bytes()) / (1024.0 * 1024.0));
  return 0;
}

}  // namespace

int run_bench(const BenchArgs& a);

Runner add_bench(CLI::App& app) {
  auto a = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand("bench", "Measure prefill/decode speed, latency over long streams, memory and the roofline");
  cmd->add_option("-m,--model", a->model, kModelHelp)->required();
  cmd->add_option("-z,--tokenizer", a->tokenizer, "Tokenizer file for llama2.c models (default: beside the model)");
  cmd->add_option("-c,--cache", a->cache, "KV cache policy for prefill/decode/--long: " + CachePolicy::help())->capture_default_str();
  cmd->add_option("--kv-type", a->kv_type, "KV cache storage type: f32 or f16")->capture_default_str()
      ->check(CLI::IsMember({"f32", "f16"}));
  cmd->add_option("-t,--threads", a->threads, "Worker threads (default: number of cores)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--reps", a->reps, "Repetitions per figure (the median is reported)")->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--prompt", a->prompt, "Prefill prompt length")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--batch", a->batch, "Prefill chunk size (tokens per forward)")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--decode", a->decode, "Decoded tokens per repetition")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--depth", a->depth, "Context tokens before decoding (e.g. 4096 with -c sink:4:4092 --kv-type f16)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--long", a->long_mode, "Per-token latency at positions 1K, 10K, 100K, 1M (<= --long-max)");
  cmd->add_option("--long-max", a->long_max, "Last position of --long")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--recompute", a->recompute, "recompute:W against sink:4:(W-4) for W in --windows");
  cmd->add_option("--windows", a->windows, "Windows W of --recompute")->capture_default_str()->delimiter(',');
  cmd->add_flag("--no-bandwidth", a->no_bandwidth, "Skip the bandwidth probes (no roofline)");
  cmd->add_option("--bandwidth-gib", a->bw_gib, "Memory the read-bandwidth probe scans")->capture_default_str();
  cmd->add_option("--json", a->json, "Write the results as JSON to this file");
  cmd->add_option("--stream", a->stream, "Older mode: stream N sampled tokens, latency and RSS at 1K, 10K, ...")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", a->seed, "Seed (sampling in --stream, prompt tokens)")->capture_default_str();
  return [a]() { return a->stream > 0 ? run_stream(*a) : run_bench(*a); };
}

int run_bench(const BenchArgs& a) {
  LoadOptions lo;
  lo.tokenizer_path = a.tokenizer;
  const auto model = Model::load(a.model, lo);
  const ModelConfig& c = model->config();
  const bool f16 = a.kv_type == "f16";
  SessionOptions so;
  so.cache = CachePolicy::parse(a.cache);
  so.threads = a.threads;
  so.kv_f16 = f16;
  so.batch = a.batch;
  Json js;
  const int threads = a.threads > 0 ? a.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::printf("# sinkstream bench: %s (%s, %d layers, n_embd %d, vocab %d)\n", a.model.c_str(), c.arch.c_str(), c.n_layer,
              c.n_embd, c.n_vocab);
  std::printf("# cache %s, kv %s, %d threads, simd %s, medians of %d after a warm-up\n", so.cache.to_string().c_str(),
              a.kv_type.c_str(), threads, cpu::active_kernels().name, a.reps);
  js.kv("model", a.model);
  js.kv("cache", so.cache.to_string());
  js.kv("kv_type", a.kv_type);
  js.kv("threads", threads);
  js.kv("simd", cpu::active_kernels().name);
  js.kv("reps", a.reps);
  const std::vector<int32_t> tokens = random_tokens(std::max(a.prompt, a.depth) + a.decode + 8, c.n_vocab, a.seed);

  // Prefill: a fresh session per repetition.
  {
    std::vector<double> tps, cpu_tps;
    for (int r = 0; r <= a.reps; ++r) {
      Session s(model, so);
      const auto t0 = clock::now();
      const double c0 = process_cpu_seconds();
      s.eval(std::span<const int32_t>(tokens.data(), static_cast<size_t>(a.prompt)));
      const double sec = seconds_since(t0), cpu = (process_cpu_seconds() - c0) / threads;
      if (r > 0) tps.push_back(static_cast<double>(a.prompt) / sec);
      if (r > 0) cpu_tps.push_back(static_cast<double>(a.prompt) / cpu);
    }
    std::printf("prefill  %5lld tokens: %9.2f tokens/s (CPU-time estimate %.2f tokens/s)\n",
                static_cast<long long>(a.prompt), median(tps), median(cpu_tps));
    js.kv("prefill_tokens", static_cast<double>(a.prompt));
    js.kv("prefill_tokens_per_s", median(tps));
    js.kv("prefill_tokens_per_cpu_s", median(cpu_tps));
  }

  // Decode after `depth` tokens of context; greedy argmax (no sampler cost).
  double decode_tps = 0.0, decode_cpu_tps = 0.0, keys = 0.0;
  {
    Session s(model, so);
    std::span<const float> logits = s.eval(std::span<const int32_t>(tokens.data(), static_cast<size_t>(a.depth)));
    std::vector<double> tps, cpu_tps;
    for (int r = 0; r <= a.reps; ++r) {
      std::vector<double> lat;
      const double c0 = process_cpu_seconds();
      for (int64_t i = 0; i < a.decode; ++i) {
        const int32_t next = argmax(logits);
        const auto t0 = clock::now();
        logits = s.eval(next);
        lat.push_back(seconds_since(t0));
      }
      const double cpu = (process_cpu_seconds() - c0) / threads;
      if (r > 0) tps.push_back(1.0 / median(lat));
      if (r > 0) cpu_tps.push_back(static_cast<double>(a.decode) / cpu);
    }
    decode_tps = median(tps);
    decode_cpu_tps = median(cpu_tps);
    keys = static_cast<double>(so.cache.live_keys(s.position()));
    std::printf("decode   %5lld tokens after %lld: %9.2f tokens/s (%.2f ms/token, %.0f keys cached; CPU-time estimate %.2f tokens/s)\n",
                static_cast<long long>(a.decode), static_cast<long long>(a.depth), decode_tps, 1e3 / decode_tps, keys,
                decode_cpu_tps);
    js.kv("decode_tokens_per_cpu_s", decode_cpu_tps);
    js.kv("decode_depth", static_cast<double>(a.depth));
    js.kv("decode_tokens", static_cast<double>(a.decode));
    js.kv("decode_tokens_per_s", decode_tps);
    js.kv("kv_keys", keys);
  }

  if (a.long_mode) {
    Session s(model, so);
    std::vector<int64_t> marks;
    for (int64_t m = 1000; m <= a.long_max; m *= 10) marks.push_back(m);
    std::printf("long stream (%s): median latency of the 200 tokens before each position\n", so.cache.to_string().c_str());
    std::printf("%12s %12s %10s\n", "position", "ms/token", "rss_MiB");
    std::ostringstream arr;
    arr << "[";
    int32_t tok = tokens[0];
    std::vector<double> lat;
    for (int64_t pos = 0; pos < marks.back(); ++pos) {
      const auto t0 = clock::now();
      tok = argmax(s.eval(tok));
      const double sec = seconds_since(t0);
      const bool in_window = std::any_of(marks.begin(), marks.end(), [&](int64_t m) { return pos + 200 >= m && pos < m; });
      if (in_window) lat.push_back(sec);
      if (std::find(marks.begin(), marks.end(), pos + 1) != marks.end()) {
        const double rss = static_cast<double>(current_rss_bytes()) / (1024.0 * 1024.0);
        std::printf("%12lld %12.3f %10.1f\n", static_cast<long long>(pos + 1), median(lat) * 1e3, rss);
        std::fflush(stdout);
        arr << (arr.str().size() > 1 ? ", " : "") << "{\"position\": " << pos + 1 << ", \"ms_per_token\": " << median(lat) * 1e3
            << ", \"rss_mib\": " << rss << "}";
        lat.clear();
      }
    }
    arr << "]";
    js.raw("long", arr.str());
  }

  if (a.recompute) {
    // recompute:W re-runs the last W tokens from scratch for every token (see
    // Session::Impl::feed): its steady-state step is one W-token forward on an
    // empty cache, timed here directly (filling the window through the policy
    // would cost W^2/2 token-forwards). sink:4:(W-4) is timed after W tokens.
    std::printf("recompute vs sink (ms/token, median of %d)\n%6s %14s %14s %9s\n", a.reps, "W", "recompute:W",
                "sink:4:(W-4)", "speedup");
    std::ostringstream arr;
    arr << "[";
    for (int W : a.windows) {
      // W tokens of context (not the prompt's tokens: those may be fewer than W).
      const std::vector<int32_t> fill = random_tokens(W, c.n_vocab, a.seed + 7);
      SessionOptions ro = so;
      ro.cache = CachePolicy::parse("dense");
      std::vector<double> rec;
      for (int r = 0; r <= std::min(a.reps, 5); ++r) {
        Session s(model, ro);
        const auto t0 = clock::now();
        s.eval(std::span<const int32_t>(fill.data(), fill.size()));
        if (r > 0) rec.push_back(seconds_since(t0));
      }
      SessionOptions sk = so;
      sk.cache = CachePolicy::parse("sink:4:" + std::to_string(W - 4));
      Session s(model, sk);
      std::span<const float> logits = s.eval(std::span<const int32_t>(fill.data(), fill.size()));
      std::vector<double> sink;
      for (int i = 0; i < 8 + 32; ++i) {
        const int32_t next = argmax(logits);
        const auto t0 = clock::now();
        logits = s.eval(next);
        if (i >= 8) sink.push_back(seconds_since(t0));
      }
      const double mr = median(rec), ms = median(sink);
      std::printf("%6d %14.2f %14.2f %8.1fx\n", W, mr * 1e3, ms * 1e3, mr / ms);
      std::fflush(stdout);
      arr << (arr.str().size() > 1 ? ", " : "") << "{\"W\": " << W << ", \"recompute_ms\": " << mr * 1e3
          << ", \"sink_ms\": " << ms * 1e3 << ", \"speedup\": " << mr / ms << "}";
    }
    arr << "]";
    js.raw("recompute", arr.str());
  }

  const double peak = static_cast<double>(peak_rss_bytes()) / (1024.0 * 1024.0);
  std::printf("peak RSS: %.1f MiB\n", peak);
  js.kv("peak_rss_mib", peak);

  // Roofline (after the peak RSS reading: the probes allocate their own buffers).
  const double wb = weight_bytes(model->weights()), kb = kv_bytes(c, static_cast<int64_t>(keys), f16);
  std::printf("bytes per decoded token: %.1f MB weights + %.1f MB K/V\n", wb / 1e6, kb / 1e6);
  js.kv("weight_bytes_per_token", wb);
  js.kv("kv_bytes_per_token", kb);
  if (!a.no_bandwidth) {
    ThreadPool pool(threads);
    const Bandwidth rd = read_bandwidth_gbs(pool, static_cast<size_t>(a.bw_gib * 1024 * 1024 * 1024), a.reps);
    const double tr = triad_bandwidth_gbs(pool, 768u << 20, a.reps);
    const double roof = rd.gbs * 1e9 / (wb + kb), roof_cpu = rd.cpu_gbs * 1e9 / (wb + kb);
    std::printf("bandwidth: read %.1f GB/s (64 KiB chunks alternating; CPU-time estimate %.1f GB/s), triad %.1f GB/s\n",
                rd.gbs, rd.cpu_gbs, tr);
    std::printf("roofline: %.2f tokens/s at the read bandwidth; achieved %.1f%%\n", roof, 100.0 * decode_tps / roof);
    std::printf("roofline (CPU-time estimates): %.2f tokens/s; achieved %.1f%%\n", roof_cpu,
                100.0 * decode_cpu_tps / roof_cpu);
    js.kv("read_bandwidth_gbs", rd.gbs);
    js.kv("read_bandwidth_cpu_gbs", rd.cpu_gbs);
    js.kv("triad_bandwidth_gbs", tr);
    js.kv("roofline_tokens_per_s", roof);
    js.kv("roofline_fraction", decode_tps / roof);
    js.kv("roofline_fraction_cpu_estimate", decode_cpu_tps / roof_cpu);
  }
  if (!a.json.empty()) {
    std::FILE* f = std::fopen(a.json.c_str(), "w");
    if (f == nullptr) throw Error(ErrorKind::kIo, "cannot write " + a.json);
    const std::string s = js.str();
    std::fwrite(s.data(), 1, s.size(), f);
    std::fclose(f);
  }
  return 0;
}

}  // namespace sinkstream::cli
