// Small CLI helpers of convert/quantize/synth: output names and progress.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <unistd.h>


namespace sinkstream::cli {

inline std::string base_name(std::string path) {
  while (!path.empty() && path.back() == '/') path.pop_back();
  const size_t slash = path.find_last_of('/');
  std::string b = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = b.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? b : b.substr(0, dot);
}

// Progress on stderr: a rewritten line on a terminal, nothing otherwise.
inline std::function<void(const std::string&, size_t, size_t)> progress_printer() {
  if (!::isatty(2)) return {};
  return [](const std::string& name, size_t done, size_t total) {
    std::fprintf(stderr, "\r[%zu/%zu] %-40s", done, total, name.c_str());
  };
}

}  // namespace sinkstream::cli
