#include "tokenizer/bert_pretokenizer.hpp"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "sinkstream/error.hpp"
#include "tokenizer/utf8.hpp"

namespace sinkstream::tokenizer {

namespace {

bool is_whitespace(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE);
}

bool is_control(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_UNASSIGNED:
    case U_PRIVATE_USE_CHAR:
    case U_SURROGATE:
      return true;
    default:
      return false;
  }
}

bool is_punctuation(char32_t c) {
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) return true;
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_CONNECTOR_PUNCTUATION:
    case U_DASH_PUNCTUATION:
    case U_START_PUNCTUATION:
    case U_END_PUNCTUATION:
    case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION:
    case U_OTHER_PUNCTUATION:
      return true;
    default:
      return false;
  }
}

std::u16string to_utf16(const std::u32string& s) {
  std::u16string r;
  r.reserve(s.size());
  for (const char32_t c : s) {
    if (c < 0x10000) {
      r += static_cast<char16_t>(c);
    } else {
      r += static_cast<char16_t>(U16_LEAD(c));
      r += static_cast<char16_t>(U16_TRAIL(c));
    }
  }
  return r;
}

std::u32string from_utf16(const std::u16string& s) {
  std::u32string r;
  r.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char16_t c = s[i];
    if (U16_IS_LEAD(c) && i + 1 < s.size() && U16_IS_TRAIL(s[i + 1])) {
      r += static_cast<char32_t>(U16_GET_SUPPLEMENTARY(c, s[i + 1]));
      ++i;
    } else {
      r += static_cast<char32_t>(c);
    }
  }
  return r;
}

std::u32string nfd(const std::u32string& s) {
  UErrorCode st = U_ZERO_ERROR;
  const UNormalizer2* n = unorm2_getNFDInstance(&st);
  if (U_FAILURE(st)) throw Error(ErrorKind::kUnsupported, std::string("ICU NFD normalizer unavailable: ") + u_errorName(st));
  const std::u16string in = to_utf16(s);
  std::u16string out(in.size() * 3 + 16, u'\0');
  int32_t len = unorm2_normalize(n, reinterpret_cast<const UChar*>(in.data()), static_cast<int32_t>(in.size()),
                                 reinterpret_cast<UChar*>(out.data()), static_cast<int32_t>(out.size()), &st);
  if (st == U_BUFFER_OVERFLOW_ERROR) {
    st = U_ZERO_ERROR;
    out.assign(static_cast<size_t>(len), u'\0');
    len = unorm2_normalize(n, reinterpret_cast<const UChar*>(in.data()), static_cast<int32_t>(in.size()),
                           reinterpret_cast<UChar*>(out.data()), static_cast<int32_t>(out.size()), &st);
  }
  if (U_FAILURE(st)) throw Error(ErrorKind::kRange, std::string("ICU NFD failed: ") + u_errorName(st));
  out.resize(static_cast<size_t>(len));
  return from_utf16(out);
}

// Full (possibly multi-character) lowercase of one code point, no context.
void append_lower(char32_t c, std::u32string& out) {
  if (c < 0x80) {
    out += (c >= 'A' && c <= 'Z') ? c + 32 : c;
    return;
  }
  UChar in[2];
  int32_t n = 0;
  U16_APPEND_UNSAFE(in, n, static_cast<UChar32>(c));
  UChar buf[8];
  UErrorCode st = U_ZERO_ERROR;
  const int32_t len = u_strToLower(buf, 8, in, n, "", &st);
  if (U_FAILURE(st) || len > 8) {
    out += static_cast<char32_t>(u_tolower(static_cast<UChar32>(c)));
    return;
  }
  out += from_utf16(std::u16string(reinterpret_cast<const char16_t*>(buf), static_cast<size_t>(len)));
}

}  // namespace

bool bert_is_cjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

std::vector<std::string> bert_pretokenize(std::string_view text, const BertNormalizeOptions& opt) {
  // 1 + 2: clean, pad CJK.
  std::u32string s;
  s.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const char32_t c = utf8_decode(text, i);
    if (c == kInvalidCodePoint || c == 0 || c == 0xFFFD || is_control(c)) continue;
    if (is_whitespace(c)) {
      s += U' ';
    } else if (bert_is_cjk(c)) {
      s += U' ';
      s += c;
      s += U' ';
    } else {
      s += c;
    }
  }
  // 3: strip accents.
  if (opt.strip_accents) {
    std::u32string d = nfd(s);
    s.clear();
    for (const char32_t c : d) {
      if (u_charType(static_cast<UChar32>(c)) != U_NON_SPACING_MARK) s += c;
    }
  }
  // 4: lowercase.
  if (opt.lowercase) {
    std::u32string l;
    l.reserve(s.size());
    for (const char32_t c : s) append_lower(c, l);
    s.swap(l);
  }
  // 5: split.
  std::vector<std::string> words;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) words.push_back(std::move(cur));
    cur.clear();
  };
  for (const char32_t c : s) {
    if (is_whitespace(c)) {
      flush();
    } else if (is_punctuation(c)) {
      flush();
      utf8_append(cur, c);
      flush();
    } else {
      utf8_append(cur, c);
    }
  }
  flush();
  return words;
}

}  // namespace sinkstream::tokenizer
