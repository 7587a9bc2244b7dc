// --keep-system: the tokens every turn's rendering starts with (BOS, the system
// message and whatever the template writes before the first user message), and
// the cache policy that keeps them: sink:S:W with S = their count.
#pragma once

#include <cstdint>
#include <vector>

#include "conversation/chat_format.hpp"
#include "sinkstream/cache_policy.hpp"

namespace sinkstream::conversation {

// The common prefix of two renderings that differ only in the first user
// message's text: identical for every later turn of a conversation with this
// system message (nullptr: none).
std::vector<int32_t> pinned_prefix(const ChatFormat& format, const Message* system);

// sink:S:W from `base` (sink:_:W or window:W) with S = sinks; dense stays dense.
// Throws kInvalidArg for other policies. `sinks` includes any position the
// session adds in front (a learned sink token).
CachePolicy keep_system_policy(const CachePolicy& base, int32_t sinks);

}  // namespace sinkstream::conversation
