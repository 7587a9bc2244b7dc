// GPT-2's reversible byte <-> unicode mapping used by byte-level BPE vocabularies:
// printable bytes ('!'..'~', U+00A1..U+00AC, U+00AE..U+00FF) stand for
// themselves; the other 68 bytes, in increasing order, become U+0100, U+0101, ...
// (so 0x00 -> U+0100, 0x20 ' ' -> U+0120 'Ġ', 0x0A -> U+010A 'Ċ').
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sinkstream::tokenizer {

// The code point that stands for byte `b`.
char32_t byte_to_unicode(uint8_t b);

// The byte that code point `cp` stands for, or -1 if it stands for none.
int unicode_to_byte(char32_t cp);

// Appends the byte-level form (UTF-8 of the mapped code points) of `bytes`.
void byte_level_encode(std::string_view bytes, std::string& out);

// Appends the bytes that the byte-level string `text` stands for. Returns false
// (and appends nothing more) at the first character that stands for no byte.
bool byte_level_decode(std::string_view text, std::string& out);

}  // namespace sinkstream::tokenizer
