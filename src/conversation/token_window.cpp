#include "conversation/token_window.hpp"

#include <algorithm>

namespace sinkstream::conversation {

size_t window_start(std::span<const Message> rest, size_t max_messages) {
  const size_t n = rest.size();
  const size_t lo = n > max_messages ? n - max_messages : 0;
  for (size_t i = lo; i < n; ++i) {
    if (rest[i].role == "user") return i;
  }
  for (size_t i = lo; i-- > 0;) {
    if (rest[i].role == "user") return i;
  }
  return lo;
}

std::optional<size_t> dropped_messages(std::span<const Message> prev, std::span<const Message> next) {
  if (prev.empty()) return 0;
  for (size_t d = 0; d < prev.size(); ++d) {  // at least one message in common
    const size_t k = prev.size() - d;
    if (k > next.size()) continue;
    if (std::equal(prev.begin() + static_cast<std::ptrdiff_t>(d), prev.end(), next.begin())) return d;
  }
  return std::nullopt;
}

size_t common_prefix(std::span<const int32_t> a, std::span<const int32_t> b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

std::optional<TokenSpan> dropped_span(std::span<const int32_t> t_old, std::span<const int32_t> t_new) {
  if (t_new.size() > t_old.size()) return std::nullopt;
  const size_t p = common_prefix(t_old, t_new);
  const size_t tail = t_new.size() - p;  // must be the end of t_old
  if (!std::equal(t_new.begin() + static_cast<std::ptrdiff_t>(p), t_new.end(),
                  t_old.end() - static_cast<std::ptrdiff_t>(tail))) {
    return std::nullopt;
  }
  return TokenSpan{p, t_old.size() - tail};
}

}  // namespace sinkstream::conversation
