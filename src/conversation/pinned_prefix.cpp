#include "conversation/pinned_prefix.hpp"

#include <algorithm>

#include "conversation/token_window.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::conversation {

std::vector<int32_t> pinned_prefix(const ChatFormat& format, const Message* system) {
  const Message a = text_message("user", "a");
  const Message b = text_message("user", "b");
  const std::vector<int32_t> ta = format.tokens(system, std::span<const Message>(&a, 1), true, "");
  const std::vector<int32_t> tb = format.tokens(system, std::span<const Message>(&b, 1), true, "");
  return std::vector<int32_t>(ta.begin(), ta.begin() + static_cast<std::ptrdiff_t>(common_prefix(ta, tb)));
}

CachePolicy keep_system_policy(const CachePolicy& base, int32_t sinks) {
  if (base.name == "dense") return base;
  int32_t window = 0;
  if (base.name == "sink" && base.args.size() == 2) window = base.args[1];
  else if (base.name == "window" && base.args.size() == 1) window = base.args[0];
  else {
    throw Error(ErrorKind::kInvalidArg, "--keep-system needs a sink:S:W, window:W or dense cache, not " +
                                            base.to_string());
  }
  CachePolicy p;
  p.name = "sink";
  p.args = {std::max(sinks, 1), window};
  return p;
}

}  // namespace sinkstream::conversation
