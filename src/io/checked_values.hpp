// Caps on model-shape values read from files (GGUF metadata, config.json,
// llama2.c headers) and range checks that run before any narrowing cast, so
// 2^32 + 64 is refused rather than read as 64. One set of caps for every
// format: a value a GGUF file may not hold, a config.json may not either.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sinkstream::io {

inline constexpr int64_t kMaxEmbd = int64_t{1} << 20;     // hidden size
inline constexpr int64_t kMaxLayers = 4096;               // transformer blocks
inline constexpr int64_t kMaxHeads = 4096;                // attention heads (query and KV)
inline constexpr int64_t kMaxFf = int64_t{1} << 22;       // feed-forward width
inline constexpr int64_t kMaxHeadDim = int64_t{1} << 16;  // per-head size
inline constexpr int64_t kMaxContext = int64_t{1} << 30;  // trained context / sliding window
inline constexpr int64_t kMaxVocab = int64_t{1} << 24;    // vocabulary (token ids)

// v as int32 when lo <= v <= hi (and both bounds fit int32); empty otherwise.
inline std::optional<int32_t> checked_i32(int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi || v < INT32_MIN || v > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(v);
}

// "= v is outside [lo, hi]": the tail of a one-line error naming the field.
inline std::string outside_range(int64_t v, int64_t lo, int64_t hi) {
  return "= " + std::to_string(v) + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
}

}  // namespace sinkstream::io
