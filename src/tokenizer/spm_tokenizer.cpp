#include "tokenizer/spm_tokenizer.hpp"

#include "tokenizer/pair_merge.hpp"
#include "tokenizer/utf8.hpp"

namespace sinkstream::tokenizer {

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
  };
  std::vector<Sym> sym;
  sym.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t n = utf8_char_length(text, i);
    sym.push_back({i, n});
    i += n;
  }
  // Highest score first (rank = -score), leftmost on ties.
  const std::vector<int32_t> merged = merge_pairs<float>(
      static_cast<int32_t>(sym.size()),
      [&](int32_t l, int32_t r) -> std::optional<PairMerge<float>> {
        const Sym& a = sym[static_cast<size_t>(l)];
        const int32_t id = piece_id(text.substr(a.begin, a.len + sym[static_cast<size_t>(r)].len));
        if (id < 0) return std::nullopt;
        return PairMerge<float>{-v_.score(static_cast<size_t>(id)), id};
      },
      [&](int32_t l, int32_t r, int32_t) { sym[static_cast<size_t>(l)].len += sym[static_cast<size_t>(r)].len; });

  for (const int32_t k : merged) {
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

}  // namespace sinkstream::tokenizer
