#include "chat/string_ops.hpp"

#include "chat/limits.hpp"
#include "chat/render_budget.hpp"
#include "chat/template_error.hpp"
#include "chat/utf8_text.hpp"

namespace sinkstream::chat {

namespace {

// Python's str.isspace for the code point starting at s[i] (ASCII, \x1c-\x1f, \x85, NBSP and the
// U+2000 block's spaces); returns its byte length, or 0 when it is not whitespace.
size_t space_len(const std::string& s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (ascii_space(static_cast<char>(c)) || (c >= 0x1c && c <= 0x1f)) return 1;
  if (c == 0xC2 && i + 1 < s.size()) {
    const auto d = static_cast<unsigned char>(s[i + 1]);
    return d == 0x85 || d == 0xA0 ? 2 : 0;
  }
  if (c == 0xE2 && i + 2 < s.size()) {
    const auto d = static_cast<unsigned char>(s[i + 1]), e = static_cast<unsigned char>(s[i + 2]);
    if (d == 0x80 && (e <= 0x8A || e == 0xA8 || e == 0xA9 || e == 0xAF)) return 3;
    if (d == 0x81 && e == 0x9F) return 3;
  }
  if (c == 0xE3 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
      static_cast<unsigned char>(s[i + 2]) == 0x80) {
    return 3;
  }
  if (c == 0xE1 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x9A &&
      static_cast<unsigned char>(s[i + 2]) == 0x80) {
    return 3;
  }
  return 0;
}

std::vector<std::string> code_points(const std::string& s) {
  const std::vector<size_t> off = code_point_offsets(s);
  std::vector<std::string> out;
  for (size_t k = 0; k + 1 < off.size(); ++k) out.push_back(s.substr(off[k], off[k + 1] - off[k]));
  return out;
}

}  // namespace

std::string py_strip(const std::string& s, const std::optional<std::string>& chars, bool left, bool right) {
  const std::vector<size_t> off = code_point_offsets(s);
  const size_t n = off.size() - 1;
  std::vector<std::string> set;
  if (chars) set = code_points(*chars);
  auto strippable = [&](size_t k) {
    if (!chars) return space_len(s, off[k]) == off[k + 1] - off[k];
    const std::string cp = s.substr(off[k], off[k + 1] - off[k]);
    for (const std::string& c : set) {
      if (c == cp) return true;
    }
    return false;
  };
  size_t a = 0, b = n;
  if (left) {
    while (a < b && strippable(a)) ++a;
  }
  if (right) {
    while (b > a && strippable(b - 1)) --b;
  }
  return s.substr(off[a], off[b] - off[a]);
}

std::vector<std::string> py_split(const std::string& s, const std::optional<std::string>& sep, int64_t maxsplit) {
  std::vector<std::string> out;
  if (sep) {
    if (sep->empty()) render_error("empty separator");
    size_t start = 0;
    while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
      const size_t p = s.find(*sep, start);
      if (p == std::string::npos) break;
      out.push_back(s.substr(start, p - start));
      start = p + sep->size();
    }
    out.push_back(s.substr(start));
    return out;
  }
  size_t i = 0;
  while (true) {
    while (i < s.size() && space_len(s, i)) i += space_len(s, i);
    if (i >= s.size()) break;
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) >= maxsplit) {
      size_t end = s.size();
      while (end > i && space_len(s, end - 1) == 1) --end;
      out.push_back(s.substr(i, end - i));
      break;
    }
    size_t j = i;
    while (j < s.size() && !space_len(s, j)) ++j;
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::vector<std::string> py_rsplit(const std::string& s, const std::optional<std::string>& sep, int64_t maxsplit) {
  if (maxsplit < 0 || !sep) return py_split(s, sep, maxsplit);
  if (sep->empty()) render_error("empty separator");
  std::vector<std::string> out;
  size_t end = s.size();
  while (static_cast<int64_t>(out.size()) < maxsplit) {
    if (end < sep->size()) break;
    const size_t p = s.rfind(*sep, end - sep->size());
    if (p == std::string::npos) break;
    out.insert(out.begin(), s.substr(p + sep->size(), end - p - sep->size()));
    end = p;
  }
  out.insert(out.begin(), s.substr(0, end));
  return out;
}

std::vector<std::string> py_splitlines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0, i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t brk = 0;
    if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') brk = 2;
    else if (c == '\n' || c == '\r' || c == '\v' || c == '\f' || (c >= 0x1c && c <= 0x1e)) brk = 1;
    else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85) brk = 2;
    else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
             (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9)) brk = 3;
    if (brk) {
      out.push_back(s.substr(start, i - start));
      i += brk;
      start = i;
    } else {
      ++i;
    }
  }
  if (start < s.size()) out.push_back(s.substr(start));
  return out;
}

std::string py_replace(const std::string& s, const std::string& from, const std::string& to, int64_t count) {
  std::string out;
  if (from.empty()) {
    const std::vector<std::string> cps = code_points(s);
    int64_t done = 0;
    for (const std::string& cp : cps) {
      if (count < 0 || done < count) {
        out += to;
        ++done;
      }
      out += cp;
      if (out.size() > render_limits().output_bytes) render_error("replace result too large");
    }
    if (count < 0 || done < count) out += to;
    return out;
  }
  size_t start = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    const size_t p = s.find(from, start);
    if (p == std::string::npos) break;
    out.append(s, start, p - start);
    out += to;
    if (out.size() > render_limits().output_bytes) render_error("replace result too large");
    start = p + from.size();
    ++done;
  }
  out.append(s, start, std::string::npos);
  return out;
}

std::string py_upper(const std::string& s) {
  std::string out = s;
  for (char& c : out) c = ascii_upper(c);
  return out;
}

std::string py_lower(const std::string& s) {
  std::string out = s;
  for (char& c : out) c = ascii_lower(c);
  return out;
}

std::string py_capitalize(const std::string& s) {
  std::string out = py_lower(s);
  if (!out.empty()) out[0] = ascii_upper(out[0]);
  return out;
}

std::string py_title(const std::string& s) {
  std::string out = s;
  bool prev_cased = false;
  for (char& c : out) {
    const bool lower = c >= 'a' && c <= 'z', upper = c >= 'A' && c <= 'Z';
    if (lower || upper) {
      c = prev_cased ? ascii_lower(c) : ascii_upper(c);
      prev_cased = true;
    } else {
      prev_cased = static_cast<unsigned char>(c) >= 0x80 && prev_cased;
    }
  }
  return out;
}

size_t py_count(const std::string& s, const std::string& sub) {
  if (sub.empty()) return code_point_count(s) + 1;
  size_t n = 0;
  for (size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size())) ++n;
  return n;
}

}  // namespace sinkstream::chat
