#include "tokenizer/bpe_tokenizer.hpp"

#include "tokenizer/pair_merge.hpp"

#include "sinkstream/error.hpp"
#include "tokenizer/bpe_pretokenizers.hpp"
#include "tokenizer/byte_level.hpp"
#include "tokenizer/utf8.hpp"

namespace sinkstream::tokenizer {

BpeTokenizer::BpeTokenizer(VocabData v) : VocabTokenizer(std::move(v)) {
  std::vector<std::string> regexes = v_.pre_regexes;
  ignore_merges_ = v_.ignore_merges;
  if (regexes.empty()) {
    const auto pre = bpe_pretokenizer(v_.pre);
    if (!pre) {
      throw Error(ErrorKind::kUnsupported, v_.source + ": tokenizer.ggml.pre \"" + v_.pre +
                                               "\" is not a pre-tokenizer this build knows");
    }
    regexes = pre->regexes;
    ignore_merges_ = ignore_merges_ || pre->ignore_merges;
  }
  splitter_ = std::make_unique<RegexSplitter>(regexes, v_.source + ": tokenizer.ggml.pre \"" + v_.pre + "\"");

  merges_.reserve(v_.merges.size());
  for (size_t rank = 0; rank < v_.merges.size(); ++rank) {
    const std::string& m = v_.merges[rank];
    auto fail = [&](const std::string& what) {
      throw Error(ErrorKind::kFormat,
                  v_.source + ": tokenizer.ggml.merges[" + std::to_string(rank) + "] \"" + m + "\" " + what);
    };
    // Split at the first space after the first character (a part may itself be a space-like char).
    const size_t sp = m.find(' ', m.empty() ? 0 : utf8_sequence_length(m, 0));
    if (sp == std::string::npos) fail("is not two tokens separated by a space");
    const std::string_view left = std::string_view(m).substr(0, sp);
    const std::string_view right = std::string_view(m).substr(sp + 1);
    const int32_t l = lookup(left), r = lookup(right);
    if (l < 0) fail("references \"" + std::string(left) + "\", which is not a token");
    if (r < 0) fail("references \"" + std::string(right) + "\", which is not a token");
    std::string joined(left);
    joined += right;
    const int32_t res = lookup(joined);
    if (res < 0) fail("makes \"" + joined + "\", which is not a token");
    merges_.emplace(key(l, r), Merge{static_cast<int32_t>(rank), res});  // first (lowest rank) wins
  }
}

int32_t BpeTokenizer::merge_rank(int32_t left, int32_t right) const {
  const auto it = merges_.find(key(left, right));
  return it == merges_.end() ? -1 : it->second.rank;
}

void BpeTokenizer::encode_text(std::string_view text, bool /*at_start*/, std::vector<int32_t>& out) const {
  std::string word;
  for (const auto& [b, e] : splitter_->split(text)) {
    word.clear();
    byte_level_encode(text.substr(b, e - b), word);
    encode_word(word, out);
  }
}

void BpeTokenizer::encode_word(std::string_view word, std::vector<int32_t>& out) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    const int32_t whole = lookup(word);
    if (whole >= 0) {
      out.push_back(whole);
      return;
    }
  }
  // Symbols: one per code point; id -1 if the character is not a token.
  std::vector<int32_t> ids;
  ids.reserve(word.size());
  for (size_t i = 0; i < word.size();) {
    const size_t n = utf8_char_length(word, i);
    ids.push_back(lookup(word.substr(i, n)));
    i += n;
  }
  if (ids.size() == 1 && ids[0] >= 0) {
    out.push_back(ids[0]);
    return;
  }
  // Lowest merge rank first, leftmost on ties.
  const std::vector<int32_t> merged = merge_pairs<int32_t>(
      static_cast<int32_t>(ids.size()),
      [&](int32_t l, int32_t r) -> std::optional<PairMerge<int32_t>> {
        const int32_t a = ids[static_cast<size_t>(l)], b = ids[static_cast<size_t>(r)];
        if (a < 0 || b < 0) return std::nullopt;
        const auto it = merges_.find(key(a, b));
        if (it == merges_.end()) return std::nullopt;
        return PairMerge<int32_t>{it->second.rank, it->second.result};
      },
      [&](int32_t l, int32_t, int32_t result) { ids[static_cast<size_t>(l)] = result; });
  for (const int32_t k : merged) {
    const int32_t id = ids[static_cast<size_t>(k)];
    if (id >= 0) out.push_back(id);
    else if (v_.unk_id >= 0) out.push_back(v_.unk_id);  // a character outside the vocabulary
  }
}

std::string BpeTokenizer::normal_piece(int32_t /*prev*/, int32_t id) const {
  const std::string& t = token_text(id);
  std::string r;
  r.reserve(t.size());
  if (!byte_level_decode(t, r)) return t;  // not a byte-level token: its text as is
  return r;
}

}  // namespace sinkstream::tokenizer
