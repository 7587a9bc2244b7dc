#include "tokenizer/bpe_tokenizer.hpp"

#include <queue>

#include "sinkstream/error.hpp"
#include "tokenizer/bpe_pretokenizers.hpp"
#include "tokenizer/byte_level.hpp"
#include "tokenizer/utf8.hpp"

namespace sinkstream {

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
  struct Sym {
    int32_t id;  // token id, -1 if the character is not a token
    size_t begin, len;
    int32_t prev, next;
  };
  std::vector<Sym> sym;
  sym.reserve(word.size());
  for (size_t i = 0; i < word.size();) {
    const size_t n = utf8_char_length(word, i);
    const auto k = static_cast<int32_t>(sym.size());
    sym.push_back({lookup(word.substr(i, n)), i, n, k - 1, i + n < word.size() ? k + 1 : -1});
    i += n;
  }
  if (sym.size() == 1 && sym[0].id >= 0) {
    out.push_back(sym[0].id);
    return;
  }

  struct Cand {
    int32_t rank;
    int32_t left, right;
    int32_t lid, rid;  // ids when pushed; stale if either changed
    bool operator<(const Cand& o) const {  // min-heap on (rank, left)
      if (rank != o.rank) return rank > o.rank;
      return left > o.left;
    }
  };
  std::priority_queue<Cand> heap;
  auto try_pair = [&](int32_t l, int32_t r) {
    if (l < 0 || r < 0) return;
    const int32_t a = sym[static_cast<size_t>(l)].id, b = sym[static_cast<size_t>(r)].id;
    if (a < 0 || b < 0) return;
    const auto it = merges_.find(key(a, b));
    if (it != merges_.end()) heap.push({it->second.rank, l, r, a, b});
  };
  for (int32_t k = 0; k + 1 < static_cast<int32_t>(sym.size()); ++k) try_pair(k, k + 1);
  while (!heap.empty()) {
    const Cand c = heap.top();
    heap.pop();
    Sym& a = sym[static_cast<size_t>(c.left)];
    Sym& b = sym[static_cast<size_t>(c.right)];
    if (a.len == 0 || b.len == 0 || a.next != c.right || a.id != c.lid || b.id != c.rid) continue;
    a.id = merges_.find(key(c.lid, c.rid))->second.result;
    a.len += b.len;
    b.len = 0;
    a.next = b.next;
    if (b.next >= 0) sym[static_cast<size_t>(b.next)].prev = c.left;
    try_pair(a.prev, c.left);
    try_pair(c.left, a.next);
  }
  for (int32_t k = 0; k >= 0; k = sym[static_cast<size_t>(k)].next) {
    const Sym& s = sym[static_cast<size_t>(k)];
    if (s.id >= 0) out.push_back(s.id);
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

}  // namespace sinkstream
