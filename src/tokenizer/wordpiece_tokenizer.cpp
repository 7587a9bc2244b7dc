#include "tokenizer/wordpiece_tokenizer.hpp"

#include <algorithm>

#include "tokenizer/utf8.hpp"

namespace sinkstream::tokenizer {

namespace {
const std::string_view kWordStart = "\xE2\x96\x81";  // U+2581
constexpr size_t kMaxWordChars = 100;                 // HF WordPiece max_input_chars_per_word
}  // namespace

WordPieceTokenizer::WordPieceTokenizer(VocabData v) : VocabTokenizer(std::move(v)) {
  for (const std::string& t : v_.tokens) max_token_len_ = std::max(max_token_len_, t.size());
}

void WordPieceTokenizer::encode_text(std::string_view text, bool /*at_start*/, std::vector<int32_t>& out) const {
  const BertNormalizeOptions opt{v_.lowercase, v_.strip_accents};
  std::string word;
  for (const std::string& w : bert_pretokenize(text, opt)) {
    size_t chars = 0;
    for (size_t i = 0; i < w.size(); i = i + utf8_sequence_length(w, i)) ++chars;
    const size_t mark = out.size();
    bool ok = chars <= kMaxWordChars;
    word.assign(kWordStart);
    word += w;
    // Greedy longest match; candidate ends stay on character boundaries.
    for (size_t i = 0; ok && i < word.size();) {
      int32_t id = -1;
      size_t end = std::min(word.size(), i + max_token_len_);
      while (end > i) {
        while (end < word.size() && end > i && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80) --end;
        if (end == i) break;
        id = lookup(std::string_view(word).substr(i, end - i));
        if (id >= 0) break;
        --end;
      }
      if (id < 0) {
        ok = false;
        break;
      }
      out.push_back(id);
      i = end;
    }
    if (!ok) {
      out.resize(mark);
      if (v_.unk_id >= 0) out.push_back(v_.unk_id);
    }
  }
}

std::string WordPieceTokenizer::normal_piece(int32_t prev, int32_t id) const {
  const std::string& t = token_text(id);
  if (!std::string_view(t).starts_with(kWordStart)) return t;
  std::string r = is_boundary(prev) ? std::string() : std::string(" ");
  r.append(t, kWordStart.size());
  return r;
}

}  // namespace sinkstream::tokenizer
