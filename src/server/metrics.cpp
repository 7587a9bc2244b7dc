#include "server/metrics.hpp"

#include <chrono>
#include <cstdio>

namespace sinkstream::server {

namespace {

int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// (Appends piece by piece: GCC 12 -O3 warns falsely on chains of operator+.)
void line(std::string* out, const std::string& name, const std::string& labels, double v) {
  out->append(name);
  if (!labels.empty()) out->append("{").append(labels).append("}");
  out->append(" ").append(num(v)).append("\n");
}

void head(std::string* out, const std::string& name, const char* type, const char* help) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name).append(" ");
  out->append(type).append("\n");
}

std::string label(std::string prefix, const char* key, const std::string& value) {
  prefix.append(key).append("=\"").append(value).append("\"");
  return prefix;
}

}  // namespace

void Metrics::Histogram::observe(double v) {
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (v <= kBuckets[i]) {
      ++counts[i];
      break;
    }
  }
  ++count;
  sum += v;
}

void Metrics::Histogram::render(std::string* out, const std::string& name, const std::string& labels) const {
  int64_t cumulative = 0;
  const std::string sep = labels.empty() ? std::string() : std::string(labels).append(",");
  const std::string bucket = std::string(name).append("_bucket");
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += counts[i];
    line(out, bucket, label(sep, "le", num(kBuckets[i])), static_cast<double>(cumulative));
  }
  line(out, bucket, label(sep, "le", "+Inf"), static_cast<double>(count));
  line(out, std::string(name).append("_sum"), labels, sum);
  line(out, std::string(name).append("_count"), labels, static_cast<double>(count));
}

void Metrics::request(const std::string& route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{route, status}];
  latency_.observe(seconds);
}

void Metrics::tokens(int64_t prompt_fed, int64_t generated) {
  std::lock_guard<std::mutex> lock(mu_);
  prompt_tokens_ += prompt_fed;
  generated_tokens_ += generated;
  const int64_t s = now_s();
  auto& slot = per_second_[static_cast<size_t>(s % 16)];
  if (slot.first != s) slot = {s, 0};
  slot.second += generated;
}

void Metrics::time_to_first_token(double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ttft_.observe(seconds);
}

void Metrics::timeout() {
  std::lock_guard<std::mutex> lock(mu_);
  ++timeouts_;
}

double Metrics::tokens_per_second_locked() const {
  // The 10 full seconds before the current one.
  const int64_t s = now_s();
  int64_t sum = 0;
  for (const auto& [sec, n] : per_second_) {
    if (sec < s && sec >= s - 10) sum += n;
  }
  return static_cast<double>(sum) / 10.0;
}

std::string Metrics::render(const Gauges& g) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  head(&out, "sinkstream_requests_total", "counter", "HTTP requests answered, by route and status");
  for (const auto& [key, n] : requests_) {
    line(&out, "sinkstream_requests_total", label(label("", "route", key.first) + ",", "status", std::to_string(key.second)),
         static_cast<double>(n));
  }
  head(&out, "sinkstream_request_duration_seconds", "histogram", "HTTP request latency (streams: until the last byte)");
  latency_.render(&out, "sinkstream_request_duration_seconds", "");
  head(&out, "sinkstream_time_to_first_token_seconds", "histogram", "from request start to the first generated text");
  ttft_.render(&out, "sinkstream_time_to_first_token_seconds", "");
  head(&out, "sinkstream_prompt_tokens_total", "counter", "prompt tokens fed (only the new tokens of each turn)");
  line(&out, "sinkstream_prompt_tokens_total", "", static_cast<double>(prompt_tokens_));
  head(&out, "sinkstream_generated_tokens_total", "counter", "tokens generated");
  line(&out, "sinkstream_generated_tokens_total", "", static_cast<double>(generated_tokens_));
  head(&out, "sinkstream_generated_tokens_per_second", "gauge", "tokens generated per second over the last 10 s");
  line(&out, "sinkstream_generated_tokens_per_second", "", tokens_per_second_locked());
  head(&out, "sinkstream_request_timeouts_total", "counter", "generations cut at the request timeout");
  line(&out, "sinkstream_request_timeouts_total", "", static_cast<double>(timeouts_));
  const std::pair<const char*, std::pair<int64_t, const char*>> gauges[] = {
      {"sinkstream_sessions", {g.sessions, "sessions held"}},
      {"sinkstream_active_requests", {g.active_requests, "requests being served now"}},
      {"sinkstream_queue_depth", {g.queue_depth, "evaluations waiting for the next batch step"}},
      {"sinkstream_cache_tokens", {g.cache_tokens, "keys held in all session caches (occupancy)"}},
      {"sinkstream_cache_bytes", {g.cache_bytes, "bytes of K/V storage of all sessions"}},
      {"sinkstream_evicted_tokens", {g.evicted_tokens, "tokens evicted from the caches of the sessions held"}},
  };
  for (const auto& [name, v] : gauges) {
    head(&out, name, "gauge", v.second);
    line(&out, name, "", static_cast<double>(v.first));
  }
  const std::pair<const char*, std::pair<int64_t, const char*>> counters[] = {
      {"sinkstream_batch_steps_total", {g.batch_steps, "forward passes of the continuous batcher"}},
      {"sinkstream_batch_rows_total", {g.batch_rows, "tokens fed by those passes"}},
      {"sinkstream_batch_segments_total", {g.batch_segments, "sessions per pass, summed over passes"}},
  };
  for (const auto& [name, v] : counters) {
    head(&out, name, "counter", v.second);
    line(&out, name, "", static_cast<double>(v.first));
  }
  return out;
}

}  // namespace sinkstream::server
