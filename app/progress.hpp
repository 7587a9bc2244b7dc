// Progress on stderr for long evaluations: a redrawn bar with rate and ETA when
// stderr is a terminal, plain lines at most every few seconds otherwise (logs, CI).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace sinkstream::cli {

class ProgressReporter {
 public:
  // unit: what is counted ("tokens", "prompts"); tty: draw a bar (default:
  // whether stderr is a terminal).
  ProgressReporter(std::string command, std::string unit);
  ProgressReporter(std::string command, std::string unit, bool tty);

  // `label` names the current task ("sink:4:124 (3/5)"); done <= total units;
  // seconds: time spent on this task so far. done == total ends the task.
  void update(const std::string& label, int64_t done, int64_t total, double seconds);

 private:
  std::string command_;
  std::string unit_;
  bool tty_;
  std::string last_label_;
  std::chrono::steady_clock::time_point last_print_{};
};

}  // namespace sinkstream::cli
