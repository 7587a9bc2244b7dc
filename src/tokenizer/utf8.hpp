// Small UTF-8 helpers shared by the tokenizers.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sinkstream::tokenizer {

// Length of the code-point-like unit starting at text[i]: the byte plus the
// continuation bytes (10xxxxxx) that follow it, at most 4 bytes in all.
size_t utf8_sequence_length(std::string_view text, size_t i);

// Length of the character at text[i]: the full sequence its lead byte
// announces when all of it is present and well-formed, else 1 (a lone byte).
size_t utf8_char_length(std::string_view text, size_t i);

// Expected total length of a sequence from its lead byte: 1..4, or 0 for a
// continuation or invalid lead byte.
int utf8_expected_length(unsigned char lead);

// Decodes the code point at text[i] and advances i past it. A malformed or
// truncated sequence (or an overlong / surrogate encoding) yields
// kInvalidCodePoint and advances by one byte.
inline constexpr char32_t kInvalidCodePoint = 0xFFFFFFFF;
char32_t utf8_decode(std::string_view text, size_t& i);

// Appends the UTF-8 encoding of `cp` (<= 0x10FFFF).
void utf8_append(std::string& out, char32_t cp);

}  // namespace sinkstream::tokenizer
