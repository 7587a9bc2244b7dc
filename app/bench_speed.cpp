// `sinkstream bench` prefill and decode throughput, wall-clock and CPU-time
// estimates, medians of --reps repetitions after one warm-up.
#include <cstdio>

#include "bench_run.hpp"
#include "eval/median.hpp"
#include "eval/resources.hpp"

namespace sinkstream::cli {

void bench_prefill(const BenchArgs& a, const BenchRun& run, BenchJson& out) {
  std::vector<double> tps, cpu_tps;
  for (int r = 0; r <= a.reps; ++r) {
    Session s(run.model, run.options);
    const auto t0 = BenchClock::now();
    const double c0 = eval::process_cpu_seconds();
    s.eval(std::span<const int32_t>(run.tokens.data(), static_cast<size_t>(a.prompt)));
    const double sec = seconds_since(t0), cpu = (eval::process_cpu_seconds() - c0) / run.threads;
    if (r > 0) tps.push_back(static_cast<double>(a.prompt) / sec);
    if (r > 0) cpu_tps.push_back(static_cast<double>(a.prompt) / cpu);
  }
  std::printf("prefill  %5lld tokens: %9.2f tokens/s (CPU-time estimate %.2f tokens/s)\n",
              static_cast<long long>(a.prompt), eval::median(tps), eval::median(cpu_tps));
  out["prefill_tokens"] = a.prompt;
  out["prefill_tokens_per_s"] = eval::median(tps);
  out["prefill_tokens_per_cpu_s"] = eval::median(cpu_tps);
}

DecodeFigures bench_decode(const BenchArgs& a, const BenchRun& run, BenchJson& out) {
  Session s(run.model, run.options);
  std::span<const float> logits = s.eval(std::span<const int32_t>(run.tokens.data(), static_cast<size_t>(a.depth)));
  std::vector<double> tps, cpu_tps;
  for (int r = 0; r <= a.reps; ++r) {
    std::vector<double> lat;
    const double c0 = eval::process_cpu_seconds();
    for (int64_t i = 0; i < a.decode; ++i) {
      const int32_t next = argmax_token(logits);
      const auto t0 = BenchClock::now();
      logits = s.eval(next);
      lat.push_back(seconds_since(t0));
    }
    const double cpu = (eval::process_cpu_seconds() - c0) / run.threads;
    if (r > 0) tps.push_back(1.0 / eval::median(lat));
    if (r > 0) cpu_tps.push_back(static_cast<double>(a.decode) / cpu);
  }
  const DecodeFigures d{eval::median(tps), eval::median(cpu_tps), run.options.cache.live_keys(s.position())};
  std::printf("decode   %5lld tokens after %lld: %9.2f tokens/s (%.2f ms/token, %lld keys cached; CPU-time estimate %.2f tokens/s)\n",
              static_cast<long long>(a.decode), static_cast<long long>(a.depth), d.tokens_per_s, 1e3 / d.tokens_per_s,
              static_cast<long long>(d.keys), d.tokens_per_cpu_s);
  out["decode_tokens_per_cpu_s"] = d.tokens_per_cpu_s;
  out["decode_depth"] = a.depth;
  out["decode_tokens"] = a.decode;
  out["decode_tokens_per_s"] = d.tokens_per_s;
  out["kv_keys"] = d.keys;
  return d;
}

}  // namespace sinkstream::cli
