// Server metrics in the Prometheus text format (GET /metrics): counters of
// requests and tokens, a request latency histogram, generated tokens per second
// over the last 10 s, and gauges the engine reads at scrape time.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace sinkstream::server {

// What the engine reports at scrape time.
struct Gauges {
  int64_t sessions = 0;          // sessions held (in memory)
  int64_t active_requests = 0;   // requests generating or feeding now
  int64_t queue_depth = 0;       // Session::eval calls waiting for a batch step
  int64_t cache_tokens = 0;      // keys held in all sessions' caches (occupancy)
  int64_t cache_bytes = 0;
  int64_t evicted_tokens = 0;    // tokens evicted from the sessions held
  int64_t batch_steps = 0;       // forward passes the batcher ran
  int64_t batch_rows = 0;        // tokens fed in them
  int64_t batch_segments = 0;    // (session, step) pairs
};

class Metrics {
 public:
  // One finished HTTP request: route pattern ("/v1/chat/completions"), status, seconds.
  void request(const std::string& route, int status, double seconds);
  void tokens(int64_t prompt_fed, int64_t generated);
  void time_to_first_token(double seconds);
  void timeout();
  std::string render(const Gauges& g) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  struct Histogram {
    std::array<int64_t, kBuckets.size()> counts{};  // [bucket] observations <= bound (not cumulative)
    int64_t count = 0;
    double sum = 0;
    void observe(double v);
    void render(std::string* out, const std::string& name, const std::string& labels) const;
  };
  double tokens_per_second_locked() const;

  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, int64_t> requests_;  // (route, status) -> count
  Histogram latency_;
  Histogram ttft_;
  int64_t prompt_tokens_ = 0, generated_tokens_ = 0, timeouts_ = 0;
  // Generated tokens per second of wall time: [second % 16] -> (second, tokens).
  std::array<std::pair<int64_t, int64_t>, 16> per_second_{};
};

}  // namespace sinkstream::server
