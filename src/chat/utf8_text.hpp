// Python strings are sequences of code points; these helpers give len(), indexing,
// slicing and iteration that meaning over UTF-8 text. A byte that is not part of a
// well-formed sequence stands for itself (it round-trips unchanged).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sinkstream::chat {

// Byte offsets of each code point's start, plus text.size() at the end.
std::vector<size_t> code_point_offsets(std::string_view text);
size_t code_point_count(std::string_view text);
// ASCII-only case mapping for one byte.
char ascii_upper(char c);
char ascii_lower(char c);
bool ascii_space(char c);

}  // namespace sinkstream::chat
