#include "tokenizer/llama2c_tokenizer.hpp"

#include <algorithm>
#include <cstring>
#include "tokenizer/pair_merge.hpp"

#include "io/mapped_file.hpp"
#include "sinkstream/error.hpp"
#include "tokenizer/utf8.hpp"

namespace sinkstream::tokenizer {

namespace {
constexpr int32_t kByteFallbackBase = 3;  // <0x00> is id 3
}

Llama2cTokenizer::Llama2cTokenizer(const std::string& path, int32_t vocab_size) {
  const io::MappedFile f(path);
  auto fail = [&path](const std::string& what) {
    throw Error(ErrorKind::kFormat, path + ": llama2.c tokenizer: " + what);
  };
  if (vocab_size < 259) fail("vocab size " + std::to_string(vocab_size) + " is below the 259 ids it reserves");
  if (f.size() == 0) fail("file is empty");
  size_t off = 0;
  auto read_i32 = [&](const char* what, int32_t index) {
    if (f.size() - off < 4) {
      fail(std::string("truncated at byte ") + std::to_string(off) + " reading " + what +
           (index >= 0 ? " of token " + std::to_string(index) : std::string()));
    }
    int32_t v;
    std::memcpy(&v, f.data() + off, 4);
    off += 4;
    return v;
  };
  max_token_length_ = read_i32("max_token_length", -1);
  if (max_token_length_ <= 0 || max_token_length_ > (1 << 16)) {
    fail("max_token_length " + std::to_string(max_token_length_) + " is outside [1, 65536]");
  }
  // vocab_size comes from the checkpoint header (up to 2^24): reserve no more entries
  // than the file can hold (each takes at least 8 bytes: score, length); the loop
  // below reports the entry that overruns it.
  const size_t room = std::min<size_t>(static_cast<size_t>(vocab_size), (f.size() - off) / 8);
  pieces_.reserve(room);
  scores_.reserve(room);
  for (int32_t i = 0; i < vocab_size; ++i) {
    const int32_t score_bits = read_i32("score", i);
    float score;
    std::memcpy(&score, &score_bits, 4);
    const int32_t len = read_i32("length", i);
    if (len < 0 || len > max_token_length_) {
      fail("token " + std::to_string(i) + " has length " + std::to_string(len) + ", outside [0, max_token_length " +
           std::to_string(max_token_length_) + "]");
    }
    if (f.size() - off < static_cast<size_t>(len)) {
      fail("token " + std::to_string(i) + " length " + std::to_string(len) + " overruns the file (" +
           std::to_string(f.size() - off) + " bytes left)");
    }
    pieces_.emplace_back(reinterpret_cast<const char*>(f.data() + off), static_cast<size_t>(len));
    off += static_cast<size_t>(len);
    scores_.push_back(score);
  }
  index_.reserve(pieces_.size());
  for (int32_t i = 0; i < vocab_size; ++i) index_.emplace(pieces_[static_cast<size_t>(i)], i);  // first wins
}

int32_t Llama2cTokenizer::lookup(std::string_view piece) const {
  const auto it = index_.find(std::string(piece));
  return it == index_.end() ? -1 : it->second;
}

// Score-ordered merges with a heap: always merges the adjacent pair whose
// concatenation is a token with the highest score, leftmost on ties, exactly as
// the quadratic llama2.c loop does, in O(n log n).
std::vector<int32_t> Llama2cTokenizer::encode(std::string_view text, bool add_bos) const {
  std::vector<int32_t> out;
  if (add_bos) out.push_back(bos_id());
  if (text.empty()) return out;

  // Symbols: a dummy-prefix space, then one per code point (or its bytes).
  std::vector<int32_t> sym;
  sym.reserve(text.size() + 1);
  const int32_t space = lookup(" ");
  if (space >= 0) sym.push_back(space);
  else sym.push_back(kByteFallbackBase + ' ');
  size_t i = 0;
  while (i < text.size()) {
    const size_t n = utf8_sequence_length(text, i);
    const int32_t id = lookup(text.substr(i, n));
    if (id >= 0) {
      sym.push_back(id);
    } else {
      for (size_t b = 0; b < n; ++b) {
        sym.push_back(kByteFallbackBase + static_cast<unsigned char>(text[i + b]));
      }
    }
    i += n;
  }

  std::vector<std::string> str(sym.size());
  for (size_t k = 0; k < sym.size(); ++k) str[k] = pieces_[static_cast<size_t>(sym[k])];
  // Highest score first (rank = -score), leftmost on ties.
  const std::vector<int32_t> merged = merge_pairs<float>(
      static_cast<int32_t>(sym.size()),
      [&](int32_t l, int32_t r) -> std::optional<PairMerge<float>> {
        const int32_t id = lookup(str[static_cast<size_t>(l)] + str[static_cast<size_t>(r)]);
        if (id < 0) return std::nullopt;
        return PairMerge<float>{-scores_[static_cast<size_t>(id)], id};
      },
      [&](int32_t l, int32_t r, int32_t id) {
        str[static_cast<size_t>(l)] += str[static_cast<size_t>(r)];
        sym[static_cast<size_t>(l)] = id;
      });
  for (const int32_t k : merged) out.push_back(sym[static_cast<size_t>(k)]);
  return out;
}

std::string Llama2cTokenizer::decode_piece(int32_t prev, int32_t id) const {
  if (id < 0 || id >= vocab_size()) {
    throw Error(ErrorKind::kRange, "token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                                       std::to_string(vocab_size()) + ")");
  }
  if (id == bos_id() || id == eos_id() || id == 0) return {};
  if (id >= kByteFallbackBase && id < kByteFallbackBase + 256) {
    return std::string(1, static_cast<char>(id - kByteFallbackBase));
  }
  const std::string& p = pieces_[static_cast<size_t>(id)];
  // After BOS (or at the start) SentencePiece drops the dummy-prefix space.
  if ((prev == bos_id() || prev < 0) && !p.empty() && p[0] == ' ') return p.substr(1);
  return p;
}

}  // namespace sinkstream::tokenizer
