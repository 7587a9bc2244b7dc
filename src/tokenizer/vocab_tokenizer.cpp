#include "tokenizer/vocab_tokenizer.hpp"

#include "sinkstream/error.hpp"

namespace sinkstream::tokenizer {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// "<0xXX>" -> XX, or -1.
int parse_byte_token(std::string_view s) {
  if (s.size() != 6 || !s.starts_with("<0x") || s[5] != '>') return -1;
  const int hi = hex_digit(s[3]), lo = hex_digit(s[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

}  // namespace

VocabTokenizer::VocabTokenizer(VocabData v) : v_((validate_vocab(v), std::move(v))), special_(v_) {
  index_.reserve(v_.tokens.size());
  for (size_t i = 0; i < v_.tokens.size(); ++i) {
    const auto [it, inserted] = index_.emplace(v_.tokens[i], static_cast<int32_t>(i));
    if (!inserted) {
      throw Error(ErrorKind::kFormat, v_.source + ": tokenizer.ggml.tokens[" + std::to_string(i) + "] \"" +
                                          v_.tokens[i] + "\" duplicates token " + std::to_string(it->second));
    }
  }
  for (int32_t& b : byte_tokens_) b = -1;
  for (size_t i = 0; i < v_.tokens.size(); ++i) {
    if (v_.type(i) != TokenType::kByte) continue;
    const int b = parse_byte_token(v_.tokens[i]);
    if (b < 0) {
      throw Error(ErrorKind::kFormat, v_.source + ": tokenizer.ggml.token_type[" + std::to_string(i) +
                                          "] is byte (6) but the token \"" + v_.tokens[i] + "\" is not <0xXX>");
    }
    byte_tokens_[b] = static_cast<int32_t>(i);
  }
}

int32_t VocabTokenizer::lookup(std::string_view text) const {
  const auto it = index_.find(text);
  return it == index_.end() ? -1 : it->second;
}

std::vector<int32_t> VocabTokenizer::encode(std::string_view text, bool add_bos) const {
  return encode(text, add_bos, false);
}

std::vector<int32_t> VocabTokenizer::encode(std::string_view text, bool add_bos, bool parse_special) const {
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 4);
  if (add_bos && v_.bos_id >= 0) out.push_back(v_.bos_id);
  bool at_start = true;
  for (const TextFragment& f : special_.split(text, parse_special)) {
    if (f.token >= 0) {
      out.push_back(f.token);
      at_start = true;
    } else {
      encode_text(text.substr(f.begin, f.end - f.begin), at_start, out);
      at_start = false;
    }
  }
  if (add_bos && v_.add_eos && v_.eos_id >= 0) out.push_back(v_.eos_id);
  if (add_bos && v_.add_sep && v_.sep_id >= 0) out.push_back(v_.sep_id);
  return out;
}

bool VocabTokenizer::is_boundary(int32_t id) const {
  if (id < 0 || id >= vocab_size()) return true;
  const TokenType t = v_.type(static_cast<size_t>(id));
  return id == v_.bos_id || t == TokenType::kControl;
}

std::string VocabTokenizer::decode_piece(int32_t prev, int32_t id) const {
  if (id < 0 || id >= vocab_size()) {
    throw Error(ErrorKind::kRange, v_.source + ": token id " + std::to_string(id) +
                                       " is outside the vocabulary [0, " + std::to_string(vocab_size()) + ")");
  }
  const size_t i = static_cast<size_t>(id);
  switch (v_.type(i)) {
    case TokenType::kControl:
    case TokenType::kUnknown:
    case TokenType::kUnused:
      return {};
    case TokenType::kUserDefined:
      return v_.tokens[i];
    case TokenType::kByte:
      return std::string(1, static_cast<char>(parse_byte_token(v_.tokens[i])));
    case TokenType::kNormal:
    case TokenType::kUndefined:
      break;
  }
  return normal_piece(prev, id);
}

}  // namespace sinkstream::tokenizer
