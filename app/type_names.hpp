// Tensor type names accepted by convert/quantize/synth, and small CLI helpers.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <unistd.h>

#include "core/dtype.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::cli {

inline constexpr const char* kWritableTypes = "f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, q6_k";

inline DType parse_writable_type(const std::string& s) {
  const std::pair<const char*, DType> table[] = {
      {"f32", DType::kF32},   {"f16", DType::kF16},   {"bf16", DType::kBF16}, {"q8_0", DType::kQ8_0},
      {"q4_0", DType::kQ4_0}, {"q4_1", DType::kQ4_1}, {"q5_0", DType::kQ5_0}, {"q5_1", DType::kQ5_1},
      {"q4_k", DType::kQ4_K}, {"q5_k", DType::kQ5_K}, {"q6_k", DType::kQ6_K}};
  for (const auto& [name, t] : table) {
    if (s == name) return t;
  }
  throw Error(ErrorKind::kInvalidArg, "unknown tensor type '" + s + "' (expected one of " + kWritableTypes + ")");
}

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
