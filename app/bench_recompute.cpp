// `sinkstream bench --recompute`: ms per token of recompute:W against
// sink:4:(W-4), for each W of --windows.
#include <algorithm>
#include <cstdio>

#include "bench_run.hpp"
#include "eval/median.hpp"

namespace sinkstream::cli {

namespace {

struct RecomputeRow {
  double recompute_s = 0.0, sink_s = 0.0;  // median seconds per token
};

// recompute:W re-runs the last W tokens from scratch for every token (see
// Session::Impl::feed): its steady-state step is one W-token forward on an
// empty cache, timed here directly (filling the window through the policy
// would cost W^2/2 token-forwards). sink:4:(W-4) is timed after W tokens.
RecomputeRow time_window(const BenchArgs& a, const BenchRun& run, int W) {
  // W tokens of context (not the prompt's tokens: those may be fewer than W).
  const std::vector<int32_t> fill = random_tokens(W, run.model->config().n_vocab, a.seed + 7);
  SessionOptions ro = run.options;
  ro.cache = CachePolicy::parse("dense");
  std::vector<double> rec;
  for (int r = 0; r <= std::min(a.reps, 5); ++r) {
    Session s(run.model, ro);
    const auto t0 = BenchClock::now();
    s.eval(std::span<const int32_t>(fill.data(), fill.size()));
    if (r > 0) rec.push_back(seconds_since(t0));
  }
  SessionOptions sk = run.options;
  sk.cache = CachePolicy::parse("sink:4:" + std::to_string(W - 4));
  Session s(run.model, sk);
  std::span<const float> logits = s.eval(std::span<const int32_t>(fill.data(), fill.size()));
  std::vector<double> sink;
  for (int i = 0; i < 8 + 32; ++i) {
    const int32_t next = argmax_token(logits);
    const auto t0 = BenchClock::now();
    logits = s.eval(next);
    if (i >= 8) sink.push_back(seconds_since(t0));
  }
  return {eval::median(rec), eval::median(sink)};
}

}  // namespace

void bench_recompute(const BenchArgs& a, const BenchRun& run, BenchJson& out) {
  std::printf("recompute vs sink (ms/token, median of %d)\n%6s %14s %14s %9s\n", a.reps, "W", "recompute:W",
              "sink:4:(W-4)", "speedup");
  BenchJson rows = BenchJson::array();
  for (int W : a.windows) {
    const RecomputeRow t = time_window(a, run, W);
    const double mr = t.recompute_s, ms = t.sink_s;
    std::printf("%6d %14.2f %14.2f %8.1fx\n", W, mr * 1e3, ms * 1e3, mr / ms);
    std::fflush(stdout);
    rows.push_back({{"W", W}, {"recompute_ms", mr * 1e3}, {"sink_ms", ms * 1e3}, {"speedup", mr / ms}});
  }
  out["recompute"] = rows;
}

}  // namespace sinkstream::cli
