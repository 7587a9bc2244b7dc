// KV cache policies (docs/design.md §2). Grammar, used by every command and the API:
//   dense | window:W | sink:S:W | recompute:W | discard:KEEP:N
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sinkstream {

struct CachePolicy {
  enum class Kind { kDense, kWindow, kSink, kRecompute, kDiscard };
  Kind kind = Kind::kDense;
  int32_t sinks = 0;    // sink:S:W -> S; discard:KEEP:N -> KEEP
  int32_t window = 0;   // window:W, sink:S:W, recompute:W -> W (counts the current token)
  int32_t discard = 0;  // discard:KEEP:N -> N
  int32_t capacity = 0; // discard: total cache size (set by the session from the context length)

  // Throws sinkstream::Error (kInvalidArg) naming the bad part of `spec`.
  static CachePolicy parse(std::string_view spec);
  std::string to_string() const;
};

}  // namespace sinkstream
