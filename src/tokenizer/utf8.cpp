#include "tokenizer/utf8.hpp"

#include <string>
#include <vector>

#include "sinkstream/tokenizer.hpp"

namespace sinkstream::tokenizer {

size_t utf8_sequence_length(std::string_view text, size_t i) {
  size_t n = 1;
  while (i + n < text.size() && n < 4 && (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80) ++n;
  return n;
}

size_t utf8_char_length(std::string_view text, size_t i) {
  const int need = tokenizer::utf8_expected_length(static_cast<unsigned char>(text[i]));
  if (need <= 1 || i + static_cast<size_t>(need) > text.size()) return 1;
  for (int k = 1; k < need; ++k) {
    if ((static_cast<unsigned char>(text[i + static_cast<size_t>(k)]) & 0xC0) != 0x80) return 1;
  }
  return static_cast<size_t>(need);
}

int utf8_expected_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

char32_t utf8_decode(std::string_view text, size_t& i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  const int need = tokenizer::utf8_expected_length(lead);
  if (need == 1) {
    ++i;
    return lead;
  }
  if (need == 0 || i + static_cast<size_t>(need) > text.size()) {
    ++i;
    return kInvalidCodePoint;
  }
  char32_t cp = lead & (0x7F >> need);
  for (int k = 1; k < need; ++k) {
    const auto c = static_cast<unsigned char>(text[i + static_cast<size_t>(k)]);
    if ((c & 0xC0) != 0x80) {
      ++i;
      return kInvalidCodePoint;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  static constexpr char32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[need] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return kInvalidCodePoint;
  }
  i += static_cast<size_t>(need);
  return cp;
}

void utf8_append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace sinkstream::tokenizer

namespace sinkstream {

namespace {
const char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }
}  // namespace

std::string Utf8StreamDecoder::push(std::string_view bytes) {
  pending_.append(bytes);
  std::string out;
  size_t i = 0;
  while (i < pending_.size()) {
    const unsigned char lead = static_cast<unsigned char>(pending_[i]);
    const int need = tokenizer::utf8_expected_length(lead);
    if (need == 0) {  // stray continuation or invalid lead byte
      out += kReplacement;
      ++i;
      continue;
    }
    if (i + static_cast<size_t>(need) > pending_.size()) {
      // Incomplete: keep it if what we have so far is a valid prefix.
      bool ok = true;
      for (size_t k = i + 1; k < pending_.size(); ++k) ok = ok && is_cont(static_cast<unsigned char>(pending_[k]));
      if (ok) break;
    }
    bool ok = true;
    for (int k = 1; k < need && ok; ++k) {
      ok = i + static_cast<size_t>(k) < pending_.size() && is_cont(static_cast<unsigned char>(pending_[i + static_cast<size_t>(k)]));
    }
    if (ok) {
      out.append(pending_, i, static_cast<size_t>(need));
      i += static_cast<size_t>(need);
    } else {
      out += kReplacement;
      ++i;
    }
  }
  pending_.erase(0, i);
  return out;
}

std::string Utf8StreamDecoder::flush() {
  std::string out;
  if (!pending_.empty()) out = kReplacement;
  pending_.clear();
  return out;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string out;
  int32_t prev = -1;
  for (const int32_t id : ids) {
    out += decode_piece(prev, id);
    prev = id;
  }
  return out;
}

}  // namespace sinkstream
