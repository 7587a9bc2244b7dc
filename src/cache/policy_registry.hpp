// The one table of cache policies. Each policy file (dense_policy.cpp, ...)
// defines its PolicyEntry; policy_registry.cpp lists them. The table drives
// CachePolicy::parse / to_string, the --cache help text of every command, the
// slot count and memory estimate of a policy (src/eval/memory_budget), the
// bench's live-key count and make_cache().
//
// Adding a policy: one file here defining a Policy subclass and its
// `extern const PolicyEntry kXxxPolicyEntry`, plus one line in policy_registry.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cache/policy.hpp"

namespace sinkstream::cache {

// One integer parameter of a policy's grammar.
struct PolicyParam {
  const char* what = "";  // as error messages name it, e.g. "window size W"
  int32_t min = 0;        // smallest accepted value
};

// What a policy is built for besides its own parameters.
struct PolicySetting {
  int32_t n_ctx_train = 0;  // the model's trained context
  int32_t max_chunk = 1;    // the largest prefill chunk the caller appends at once
};

inline constexpr size_t kMaxPolicyParams = 4;

struct PolicyEntry {
  const char* name;     // "sink"
  const char* grammar;  // "sink:S:W"
  const char* help;     // what a query sees, one line, e.g. "the S first tokens + the W most recent"
  int32_t n_params;
  std::array<PolicyParam, kMaxPolicyParams> params;
  // True when keys are scored at distances other than their stream distance
  // (eviction with position shifts): refused for learned absolute positions.
  bool shifts_positions;
  // Slots (K and V rows per layer) the policy's storage holds after n_tokens tokens.
  int64_t (*slots)(std::span<const int32_t> args, const PolicySetting& s, int64_t n_tokens);
  // Keys the query after `pos` tokens attends to (the bench's bytes per token).
  int64_t (*live_keys)(std::span<const int32_t> args, int64_t pos);
  // A fresh policy (args validated by parse()).
  std::unique_ptr<Policy> (*make)(std::span<const int32_t> args, const PolicySetting& s);
};

// The registered policies, in --help order.
std::span<const PolicyEntry* const> policy_entries();

// The entry named `name`, or null.
const PolicyEntry* find_policy_entry(std::string_view name);

}  // namespace sinkstream::cache
