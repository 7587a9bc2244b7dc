// WordPiece (GGUF tokenizer.ggml.model = "bert"): BERT normalization and word
// splitting (bert_pretokenizer.hpp), then per word a greedy longest-match from
// the left. Vocab convention (GGUF): a word-initial token is U+2581 + text, a
// continuation token is the bare text (HF's "##" removed). A word longer than
// 100 code points, or one that cannot be covered, becomes a single unk.
// Lossy: lowercasing, accent stripping and whitespace are not recoverable;
// decode joins words with single spaces.
#pragma once

#include "tokenizer/bert_pretokenizer.hpp"
#include "tokenizer/vocab_tokenizer.hpp"

namespace sinkstream::tokenizer {

class WordPieceTokenizer final : public VocabTokenizer {
 public:
  explicit WordPieceTokenizer(VocabData v);
  std::string kind() const override { return "wordpiece"; }

 protected:
  void encode_text(std::string_view text, bool at_start, std::vector<int32_t>& out) const override;
  // Word-initial tokens decode as ' ' + text (no space at a boundary).
  std::string normal_piece(int32_t prev, int32_t id) const override;

 private:
  size_t max_token_len_ = 0;  // bytes
};

}  // namespace sinkstream::tokenizer
