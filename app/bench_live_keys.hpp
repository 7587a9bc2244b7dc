// How many cached keys a query attends to under a cache policy (the K/V bytes
// a decoded token reads, for the bench's roofline).
#pragma once

#include <cstdint>

#include "sinkstream/cache_policy.hpp"

namespace sinkstream::cli {

// Keys a query at stream position pos attends to under the policy.
int64_t live_keys(const CachePolicy& p, int64_t pos);

}  // namespace sinkstream::cli
