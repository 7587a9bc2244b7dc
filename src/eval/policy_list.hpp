// A comma-separated list of cache policies ("dense,window:128,sink:4:124").
#pragma once

#include <string_view>
#include <vector>

#include "sinkstream/cache_policy.hpp"

namespace sinkstream::eval {

// Throws Error(kInvalidArg) for an empty list or entry, a policy CachePolicy::parse
// rejects (its message names the bad part), or a policy given twice.
std::vector<CachePolicy> parse_policy_list(std::string_view list);

}  // namespace sinkstream::eval
