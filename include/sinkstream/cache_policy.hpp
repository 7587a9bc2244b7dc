// KV cache policies (DESIGN §2). Grammar, used by every command and the API:
//   NAME[:INT[:INT...]], e.g. dense | window:W | sink:S:W | recompute:W | discard:KEEP:N
// The policies and their parameters come from the registry in src/cache
// (policy_registry.hpp): this header does not change when a policy is added.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sinkstream {

struct CachePolicy {
  std::string name = "dense";  // a registered policy
  std::vector<int32_t> args;   // its integer parameters in grammar order (sink:S:W -> {S, W})

  // Throws sinkstream::Error (kInvalidArg) naming the bad part of `spec`.
  static CachePolicy parse(std::string_view spec);
  std::string to_string() const;

  // The registered grammars: "dense | window:W | sink:S:W | ...".
  static std::string grammar();
  // One line for --cache help texts: each grammar with what a query sees.
  static std::string help();

  // Keys the query after `pos` tokens attends to under this policy.
  int64_t live_keys(int64_t pos) const;
};

}  // namespace sinkstream
