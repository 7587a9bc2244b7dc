// Which messages a turn renders, and how the tokens a session holds are rebased
// when that window slides (docs/chat.md, "Unbounded chats").
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "sinkstream/conversation.hpp"

namespace sinkstream::conversation {

// Index of the first message of the window over `rest` (the conversation without
// its system message): at most `max_messages` from the end, moved forward to a
// user message (templates that insist on user/assistant alternation start there).
// With no user message in that range: the last user message; with none at all: n - max.
size_t window_start(std::span<const Message> rest, size_t max_messages);

// How many leading messages of `prev` were dropped when the window became
// `next`: the smallest d with prev[d..] a prefix of next. nullopt: none (another conversation).
std::optional<size_t> dropped_messages(std::span<const Message> prev, std::span<const Message> next);

// The tokens of the dropped messages inside the rendered history: with t_old the
// rendering of system + prev and t_new that of system + prev[d..] (both without
// generation prompt), a span [begin, end) of t_old such that t_old without it is
// t_new. nullopt when the template does not render them as one contiguous span.
struct TokenSpan {
  size_t begin = 0, end = 0;
};
std::optional<TokenSpan> dropped_span(std::span<const int32_t> t_old, std::span<const int32_t> t_new);

// Length of the common prefix of two token lists.
size_t common_prefix(std::span<const int32_t> a, std::span<const int32_t> b);

}  // namespace sinkstream::conversation
