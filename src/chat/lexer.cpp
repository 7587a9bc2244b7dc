#include "chat/lexer.hpp"

#include <cstring>

#include "chat/limits.hpp"
#include "chat/template_error.hpp"
#include "tokenizer/utf8.hpp"

namespace sinkstream::chat {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

// \r\n and \r become \n; one trailing newline is dropped (jinja2's keep_trailing_newline=False).
std::string normalize_newlines(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class Lexer {
 public:
  Lexer(std::string src, const LexOptions& options) : src_(std::move(src)), opt_(options) {}

  std::vector<Token> run() {
    while (pos_ < src_.size()) {
      const size_t tag = find_tag(pos_);
      std::string text = src_.substr(pos_, tag - pos_);
      if (tag == src_.size()) {
        emit_text(std::move(text));
        pos_ = tag;
        break;
      }
      const char kind = src_[tag + 1];  // '{', '%' or '#'
      const char sign = tag + 2 < src_.size() ? src_[tag + 2] : '\0';
      if (sign == '-') {
        size_t n = text.size();
        while (n > 0 && is_space(text[n - 1])) --n;
        text.resize(n);
      } else if (sign != '+' && opt_.lstrip_blocks && kind != '{') {
        lstrip(text);
      }
      emit_text(std::move(text));
      count_lines(pos_, tag);
      pos_ = tag + 2 + ((sign == '-' || sign == '+') ? 1 : 0);
      if (kind == '#') {
        comment();
      } else if (kind == '%' && raw_block()) {
        continue;
      } else {
        tag_body(kind);
      }
    }
    out_.push_back({Tok::kEnd, "", line_});
    return std::move(out_);
  }

 private:
  size_t find_tag(size_t from) const {
    for (size_t i = from; i + 1 < src_.size(); ++i) {
      if (src_[i] == '{' && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) return i;
    }
    return src_.size();
  }

  void lstrip(std::string& text) const {
    const size_t nl = text.rfind('\n');
    const size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
    if (l_pos == 0 && !line_starting_) return;
    if (l_pos == text.size()) return;
    for (size_t i = l_pos; i < text.size(); ++i) {
      if (!is_space(text[i])) return;
    }
    text.resize(l_pos);
  }

  void emit_text(std::string text) {
    if (!text.empty()) out_.push_back({Tok::kText, std::move(text), line_});
  }

  void count_lines(size_t from, size_t to) {
    for (size_t i = from; i < to && i < src_.size(); ++i) {
      if (src_[i] == '\n') ++line_;
    }
  }

  // After an end marker at pos_ (already past it): "-" eats all whitespace, plain
  // block ends eat one newline under trim_blocks.
  void after_end(char sign, bool block_like) {
    const size_t start = pos_;
    if (sign == '-') {
      while (pos_ < src_.size() && is_space(src_[pos_])) ++pos_;
    } else if (sign != '+' && block_like && opt_.trim_blocks && pos_ < src_.size() && src_[pos_] == '\n') {
      ++pos_;
    }
    count_lines(start, pos_);
    line_starting_ = pos_ > 0 && src_[pos_ - 1] == '\n' && pos_ > start;
  }

  void comment() {
    for (size_t i = pos_; i + 1 < src_.size(); ++i) {
      if (src_[i] == '#' && src_[i + 1] == '}') {
        const char sign = i > pos_ ? src_[i - 1] : '\0';
        count_lines(pos_, i);
        pos_ = i + 2;
        after_end(sign == '-' || sign == '+' ? sign : '\0', true);
        return;
      }
    }
    syntax_error(line_, "unterminated comment");
  }

  // {% raw %}...{% endraw %}: the content is text, untouched.
  bool raw_block() {
    size_t p = pos_;
    while (p < src_.size() && is_space(src_[p])) ++p;
    if (src_.compare(p, 3, "raw") != 0 || (p + 3 < src_.size() && is_name_char(src_[p + 3]))) return false;
    p += 3;
    while (p < src_.size() && is_space(src_[p])) ++p;
    char sign = '\0';
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) sign = src_[p++];
    if (src_.compare(p, 2, "%}") != 0) return false;
    count_lines(pos_, p + 2);
    pos_ = p + 2;
    after_end(sign, true);
    for (size_t i = pos_; i + 1 < src_.size(); ++i) {
      if (src_[i] != '{' || src_[i + 1] != '%') continue;
      size_t q = i + 2;
      const char open_sign = q < src_.size() && (src_[q] == '-' || src_[q] == '+') ? src_[q++] : '\0';
      while (q < src_.size() && is_space(src_[q])) ++q;
      if (src_.compare(q, 6, "endraw") != 0) continue;
      q += 6;
      while (q < src_.size() && is_space(src_[q])) ++q;
      const char close_sign = q < src_.size() && (src_[q] == '-' || src_[q] == '+') ? src_[q++] : '\0';
      if (src_.compare(q, 2, "%}") != 0) continue;
      std::string text = src_.substr(pos_, i - pos_);
      if (open_sign == '-') {
        while (!text.empty() && is_space(text.back())) text.pop_back();
      }
      emit_text(std::move(text));
      count_lines(pos_, q + 2);
      pos_ = q + 2;
      after_end(close_sign, true);
      return true;
    }
    syntax_error(line_, "missing end of raw directive");
  }

  void tag_body(char kind) {
    const bool block = kind == '%';
    out_.push_back({block ? Tok::kBlockBegin : Tok::kVarBegin, "", line_});
    const char close = block ? '%' : '}';
    std::vector<char> brackets;
    while (true) {
      while (pos_ < src_.size() && is_space(src_[pos_])) {
        if (src_[pos_] == '\n') ++line_;
        ++pos_;
      }
      if (pos_ >= src_.size()) syntax_error(line_, block ? "unexpected end of template: missing '%}'" : "unexpected end of template: missing '}}'");
      if (brackets.empty()) {
        const char c = src_[pos_];
        const bool signed_end = (c == '-' || c == '+') && pos_ + 2 < src_.size() && src_[pos_ + 1] == close &&
                                src_[pos_ + 2] == '}';
        if (signed_end || (c == close && pos_ + 1 < src_.size() && src_[pos_ + 1] == '}')) {
          pos_ += signed_end ? 3 : 2;
          out_.push_back({block ? Tok::kBlockEnd : Tok::kVarEnd, "", line_});
          after_end(signed_end ? c : '\0', block);
          return;
        }
      }
      expression_token(brackets);
      if (out_.size() > kMaxTemplateBytes) syntax_error(line_, "too many tokens");
    }
  }

  void expression_token(std::vector<char>& brackets) {
    const char c = src_[pos_];
    if (is_name_start(c)) {
      size_t e = pos_;
      while (e < src_.size() && is_name_char(src_[e])) ++e;
      out_.push_back({Tok::kName, src_.substr(pos_, e - pos_), line_});
      pos_ = e;
    } else if (is_digit(c)) {
      number();
    } else if (c == '\'' || c == '"') {
      string_literal(c);
    } else {
      static const char* const kTwo[] = {"//", "**", "==", "!=", "<=", ">="};
      for (const char* op : kTwo) {
        if (src_.compare(pos_, 2, op) == 0) {
          out_.push_back({Tok::kOp, op, line_});
          pos_ += 2;
          return;
        }
      }
      if (std::strchr("+-*/%~<>=()[]{},.:|", c) == nullptr) {
        syntax_error(line_, std::string("unexpected char '") + c + "'");
      }
      if (c == '(' || c == '[' || c == '{') {
        if (brackets.size() >= static_cast<size_t>(kMaxParseDepth)) syntax_error(line_, "brackets nested too deeply");
        brackets.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
      } else if (c == ')' || c == ']' || c == '}') {
        if (brackets.empty() || brackets.back() != c) syntax_error(line_, std::string("unexpected '") + c + "'");
        brackets.pop_back();
      }
      out_.push_back({Tok::kOp, std::string(1, c), line_});
      ++pos_;
    }
  }

  void number() {
    size_t e = pos_;
    auto digits = [&]() {
      while (e < src_.size() && (is_digit(src_[e]) || (src_[e] == '_' && e + 1 < src_.size() && is_digit(src_[e + 1])))) ++e;
    };
    digits();
    bool real = false;
    if (e + 1 < src_.size() && src_[e] == '.' && is_digit(src_[e + 1])) {
      real = true;
      ++e;
      digits();
    }
    if (e < src_.size() && (src_[e] == 'e' || src_[e] == 'E')) {
      size_t x = e + 1;
      if (x < src_.size() && (src_[x] == '+' || src_[x] == '-')) ++x;
      if (x < src_.size() && is_digit(src_[x])) {
        real = true;
        e = x;
        digits();
      }
    }
    std::string text;
    for (size_t k = pos_; k < e; ++k) {
      if (src_[k] != '_') text += src_[k];
    }
    out_.push_back({real ? Tok::kFloat : Tok::kInt, text, line_});
    pos_ = e;
  }

  void string_literal(char quote) {
    std::string value;
    size_t p = pos_ + 1;
    const int start_line = line_;
    while (p < src_.size() && src_[p] != quote) {
      const char c = src_[p];
      if (c == '\n') ++line_;
      if (c != '\\' || p + 1 >= src_.size()) {
        value += c;
        ++p;
        continue;
      }
      p = escape(p, value);
    }
    if (p >= src_.size()) syntax_error(start_line, "unterminated string");
    out_.push_back({Tok::kString, std::move(value), start_line});
    pos_ = p + 1;
  }

  // Python's unicode-escape for the backslash at src_[p]; returns the next position.
  size_t escape(size_t p, std::string& value) {
    const char e = src_[p + 1];
    switch (e) {
      case 'n': value += '\n'; return p + 2;
      case 't': value += '\t'; return p + 2;
      case 'r': value += '\r'; return p + 2;
      case '\\': value += '\\'; return p + 2;
      case '\'': value += '\''; return p + 2;
      case '"': value += '"'; return p + 2;
      case 'a': value += '\a'; return p + 2;
      case 'b': value += '\b'; return p + 2;
      case 'f': value += '\f'; return p + 2;
      case 'v': value += '\v'; return p + 2;
      case '0': value += '\0'; return p + 2;
      case '\n': ++line_; return p + 2;
      case 'x':
      case 'u':
      case 'U': {
        const size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (p + 2 + n > src_.size()) syntax_error(line_, std::string("truncated \\") + std::string(1, e) + " escape");
        uint32_t cp = 0;
        for (size_t k = 0; k < n; ++k) {
          const char h = src_[p + 2 + k];
          const int d = is_digit(h) ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
          if (d < 0) syntax_error(line_, std::string("truncated \\") + std::string(1, e) + " escape");
          cp = cp * 16 + static_cast<uint32_t>(d);
        }
        if (cp > 0x10FFFF) syntax_error(line_, "illegal Unicode character in escape");
        tokenizer::utf8_append(value, static_cast<char32_t>(cp));
        return p + 2 + n;
      }
      default: value += '\\'; value += e; return p + 2;
    }
  }

  std::string src_;
  LexOptions opt_;
  size_t pos_ = 0;
  int line_ = 1;
  bool line_starting_ = true;
  std::vector<Token> out_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source, const LexOptions& options) {
  if (source.size() > kMaxTemplateBytes) {
    syntax_error(1, std::string("template is ") + std::to_string(source.size()) + " bytes, over the limit of " +
                        std::to_string(kMaxTemplateBytes));
  }
  return Lexer(normalize_newlines(source), options).run();
}

}  // namespace sinkstream::chat
