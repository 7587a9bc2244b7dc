// `sinkstream bench --long`: one stream through the cache policy, token by
// token; at positions 1K, 10K, 100K, ... and --long-max, the median latency
// of the 200 tokens before the position and the resident memory.
#include <cstdio>

#include "bench_run.hpp"
#include "eval/median.hpp"
#include "eval/resources.hpp"

namespace sinkstream::cli {

namespace {

constexpr int64_t kLatencyTokens = 200;  // tokens before a position whose median latency it reports

// 1000, 10000, ... up to `last`, then `last` itself.
std::vector<int64_t> report_positions(int64_t last) {
  std::vector<int64_t> marks;
  for (int64_t m = 1000; m <= last; m *= 10) marks.push_back(m);
  if (marks.empty() || marks.back() != last) marks.push_back(last);
  return marks;
}

double mib(size_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

}  // namespace

void bench_long(const BenchArgs& a, const BenchRun& run, BenchJson& out) {
  SessionOptions options = run.options;
  int32_t token = run.tokens[0];
  if (a.sample) {  // the model's own text: from BOS, sampled at temperature 1
    options.sampler.temperature = 1.0f;
    options.sampler.seed = a.seed;
    if (run.model->has_tokenizer() && run.model->tokenizer().bos_id() >= 0) token = run.model->tokenizer().bos_id();
  }
  Session s(run.model, options);
  const std::vector<int64_t> marks = report_positions(a.long_max);
  std::printf("long stream (%s%s): median latency of the 200 tokens before each position\n",
              options.cache.to_string().c_str(), a.sample ? ", sampled at temperature 1" : "");
  std::printf("%12s %12s %10s\n", "position", "ms/token", "rss_MiB");
  BenchJson rows = BenchJson::array();
  std::vector<double> lat;
  size_t next = 0;
  const auto t_start = BenchClock::now();
  for (int64_t pos = 0; pos < marks.back(); ++pos) {
    const auto t0 = BenchClock::now();
    if (a.sample) {
      s.eval(token);
      token = s.sample();
    } else {
      token = argmax_token(s.eval(token));
    }
    const double sec = seconds_since(t0);
    if (pos + kLatencyTokens >= marks[next]) lat.push_back(sec);
    if (pos + 1 == marks[next]) {
      const double rss = mib(eval::current_rss_bytes());
      std::printf("%12lld %12.3f %10.1f\n", static_cast<long long>(pos + 1), eval::median(lat) * 1e3, rss);
      std::fflush(stdout);
      rows.push_back({{"position", pos + 1}, {"ms_per_token", eval::median(lat) * 1e3}, {"rss_mib", rss}});
      lat.clear();
      ++next;
    }
  }
  const double total = seconds_since(t_start);
  std::printf("long stream: %lld tokens in %.1f s (%.0f tokens/s), cache %.1f KiB\n",
              static_cast<long long>(marks.back()), total, static_cast<double>(marks.back()) / total,
              static_cast<double>(s.cache_bytes()) / 1024.0);
  out["long"] = rows;
}

}  // namespace sinkstream::cli
