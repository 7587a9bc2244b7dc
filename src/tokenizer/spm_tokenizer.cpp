#include "tokenizer/spm_tokenizer.hpp"

#include <queue>

#include "tokenizer/utf8.hpp"

namespace sinkstream {

namespace {
const std::string_view kSpace = "\xE2\x96\x81";  // U+2581
}

SpmTokenizer::SpmTokenizer(VocabData v) : VocabTokenizer(std::move(v)) {
  word_local_ = true;
  for (size_t id = 0; id < v_.tokens.size() && word_local_; ++id) {
    if (piece_id(v_.tokens[id]) < 0) continue;
    const std::string_view t = v_.tokens[id];
    for (size_t p = t.find(kSpace, 1); p != std::string_view::npos; p = t.find(kSpace, p + 1)) {
      if (p < kSpace.size() || t.substr(p - kSpace.size(), kSpace.size()) != kSpace) {
        word_local_ = false;
        break;
      }
    }
  }
}

int32_t SpmTokenizer::piece_id(std::string_view text) const {
  const int32_t id = lookup(text);
  if (id < 0) return -1;
  const TokenType t = token_type(id);
  return t == TokenType::kNormal || t == TokenType::kUserDefined || t == TokenType::kUndefined ? id : -1;
}

void SpmTokenizer::encode_text(std::string_view raw, bool at_start, std::vector<int32_t>& out) const {
  // Escaped text: optional dummy prefix, every ' ' as U+2581.
  std::string text;
  text.reserve(raw.size() + 3 + raw.size() / 4);
  if (at_start && v_.add_space_prefix) text += kSpace;
  for (const char c : raw) {
    if (c == ' ') text += kSpace;
    else text += c;
  }
  if (text.empty()) return;
  if (!word_local_) {
    encode_chunk(text, out);
    return;
  }
  // Cut before every U+2581 that follows another character.
  size_t begin = 0;
  for (size_t p = text.find(kSpace, 1); p != std::string::npos; p = text.find(kSpace, p + 1)) {
    if (p >= kSpace.size() && std::string_view(text).substr(p - kSpace.size(), kSpace.size()) == kSpace) continue;
    encode_chunk(std::string_view(text).substr(begin, p - begin), out);
    begin = p;
  }
  encode_chunk(std::string_view(text).substr(begin), out);
}

void SpmTokenizer::encode_chunk(std::string_view text, std::vector<int32_t>& out) const {
  if (text.empty()) return;
  // Symbols: one per code point (malformed bytes are single-byte symbols).
  struct Sym {
    size_t begin, len;
    int32_t prev, next;
  };
  std::vector<Sym> sym;
  sym.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t n = utf8_char_length(text, i);
    const auto k = static_cast<int32_t>(sym.size());
    sym.push_back({i, n, k - 1, i + n < text.size() ? k + 1 : -1});
    i += n;
  }

  struct Cand {
    float score;
    int32_t left, right;
    size_t len;  // left.len + right.len when pushed; stale if either changed
    bool operator<(const Cand& o) const {  // max-heap: higher score, then leftmost
      if (score != o.score) return score < o.score;
      return left > o.left;
    }
  };
  std::priority_queue<Cand> heap;
  auto try_pair = [&](int32_t l, int32_t r) {
    if (l < 0 || r < 0) return;
    const Sym& a = sym[static_cast<size_t>(l)];
    const Sym& b = sym[static_cast<size_t>(r)];
    const int32_t id = piece_id(text.substr(a.begin, a.len + b.len));
    if (id >= 0) heap.push({v_.score(static_cast<size_t>(id)), l, r, a.len + b.len});
  };
  for (int32_t k = 0; k + 1 < static_cast<int32_t>(sym.size()); ++k) try_pair(k, k + 1);
  while (!heap.empty()) {
    const Cand c = heap.top();
    heap.pop();
    Sym& a = sym[static_cast<size_t>(c.left)];
    Sym& b = sym[static_cast<size_t>(c.right)];
    if (a.len == 0 || b.len == 0 || a.next != c.right || a.len + b.len != c.len) continue;
    a.len += b.len;
    b.len = 0;
    a.next = b.next;
    if (b.next >= 0) sym[static_cast<size_t>(b.next)].prev = c.left;
    try_pair(a.prev, c.left);
    try_pair(c.left, a.next);
  }

  for (int32_t k = 0; k >= 0; k = sym[static_cast<size_t>(k)].next) {
    const Sym& s = sym[static_cast<size_t>(k)];
    const std::string_view piece = text.substr(s.begin, s.len);
    const int32_t id = piece_id(piece);
    if (id >= 0) {
      out.push_back(id);
      continue;
    }
    // Only single code points can be missing: fall back to their bytes.
    for (const char ch : piece) {
      const int32_t b = byte_token(static_cast<uint8_t>(ch));
      if (b >= 0) {
        out.push_back(b);
      } else if (v_.unk_id >= 0) {
        out.push_back(v_.unk_id);
        break;
      }
    }
  }
}

std::string SpmTokenizer::normal_piece(int32_t prev, int32_t id) const {
  const std::string& t = token_text(id);
  std::string r;
  r.reserve(t.size());
  size_t i = 0;
  if (v_.add_space_prefix && is_boundary(prev) && std::string_view(t).starts_with(kSpace)) i = kSpace.size();
  while (i < t.size()) {
    if (std::string_view(t).substr(i).starts_with(kSpace)) {
      r += ' ';
      i += kSpace.size();
    } else {
      r += t[i++];
    }
  }
  return r;
}

}  // namespace sinkstream
