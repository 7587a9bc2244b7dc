#include "tokenizer/byte_level.hpp"

#include <array>

#include "tokenizer/utf8.hpp"

namespace sinkstream::tokenizer {

namespace {

bool stands_for_itself(int b) { return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF); }

struct Tables {
  std::array<char32_t, 256> to_cp{};
  std::array<std::string, 256> to_utf8{};
  std::array<int16_t, 0x144> from_cp{};  // every mapped code point is < 0x144
};

const Tables& tables() {
  static const Tables t = [] {
    Tables r;
    r.from_cp.fill(-1);
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      const char32_t cp = stands_for_itself(b) ? static_cast<char32_t>(b) : next++;
      r.to_cp[static_cast<size_t>(b)] = cp;
      utf8_append(r.to_utf8[static_cast<size_t>(b)], cp);
      r.from_cp[cp] = static_cast<int16_t>(b);
    }
    return r;
  }();
  return t;
}

}  // namespace

char32_t byte_to_unicode(uint8_t b) { return tables().to_cp[b]; }

int unicode_to_byte(char32_t cp) { return cp < tables().from_cp.size() ? tables().from_cp[cp] : -1; }

void byte_level_encode(std::string_view bytes, std::string& out) {
  const Tables& t = tables();
  for (const char c : bytes) out += t.to_utf8[static_cast<unsigned char>(c)];
}

bool byte_level_decode(std::string_view text, std::string& out) {
  size_t i = 0;
  while (i < text.size()) {
    const char32_t cp = utf8_decode(text, i);
    const int b = cp == kInvalidCodePoint ? -1 : unicode_to_byte(cp);
    if (b < 0) return false;
    out += static_cast<char>(b);
  }
  return true;
}

}  // namespace sinkstream::tokenizer
