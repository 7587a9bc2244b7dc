#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace sinkstream::cli {

namespace {
std::string clock_string(double s) {
  if (!(s >= 0) || s > 1e7) return "?";
  const long t = static_cast<long>(s + 0.5);
  char buf[32];
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}
}  // namespace

ProgressReporter::ProgressReporter(std::string command, std::string unit)
    : ProgressReporter(std::move(command), std::move(unit), ::isatty(STDERR_FILENO) == 1) {}

ProgressReporter::ProgressReporter(std::string command, std::string unit, bool tty)
    : command_(std::move(command)), unit_(std::move(unit)), tty_(tty) {}

void ProgressReporter::update(const std::string& label, int64_t done, int64_t total, double seconds) {
  const auto now = std::chrono::steady_clock::now();
  const bool finished = done >= total;
  const bool new_task = label != last_label_;
  const double since = std::chrono::duration<double>(now - last_print_).count();
  if (!finished && !new_task && since < (tty_ ? 0.2 : 10.0)) return;
  last_label_ = label;
  last_print_ = now;
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total - done) / rate : -1.0;
  const double frac = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  if (tty_) {
    constexpr int kWidth = 28;
    std::string bar(kWidth, ' ');
    for (int i = 0; i < static_cast<int>(frac * kWidth); ++i) bar[static_cast<size_t>(i)] = '#';
    std::fprintf(stderr, "\r\033[K%s [%s] %5.1f%% %lld/%lld %.1f %s/s %s %s", label.c_str(), bar.c_str(), 100 * frac,
                 static_cast<long long>(done), static_cast<long long>(total), rate, unit_.c_str(), finished ? "in" : "ETA",
                 clock_string(finished ? seconds : eta).c_str());
    if (finished) std::fputc('\n', stderr);
  } else {
    std::fprintf(stderr, "%s: %s: %lld/%lld %s (%.1f%%), %.1f %s/s, %s %s\n", command_.c_str(), label.c_str(),
                 static_cast<long long>(done), static_cast<long long>(total), unit_.c_str(), 100 * frac, rate,
                 unit_.c_str(),
                 finished ? "done in" : "ETA", clock_string(finished ? seconds : eta).c_str());
  }
  std::fflush(stderr);
}

}  // namespace sinkstream::cli
