// SentencePiece BPE over code points (GGUF tokenizer.ggml.model = "llama"):
// spaces become U+2581, a dummy-prefix space is added at the start of the
// input and after each special token (add_space_prefix), then adjacent pieces
// are merged, highest tokenizer.ggml.scores first (leftmost on ties), as long as
// the merged text is a normal or user-defined token. Characters that are not
// tokens fall back to <0xXX> byte tokens (or unk when the vocab has none).
// O(n log n) in the input length. When no piece has a U+2581 after another
// character (true of real SentencePiece vocabs), no merge can cross the start
// of a word, so each word is merged on its own: same result, cache-friendly.
#pragma once

#include "tokenizer/vocab_tokenizer.hpp"

namespace sinkstream::tokenizer {

class SpmTokenizer final : public VocabTokenizer {
 public:
  explicit SpmTokenizer(VocabData v);
  std::string kind() const override { return "spm"; }

 protected:
  void encode_text(std::string_view text, bool at_start, std::vector<int32_t>& out) const override;
  // U+2581 -> ' '; the dummy-prefix space is dropped at the start of the
  // sequence and after BOS / control tokens.
  std::string normal_piece(int32_t prev, int32_t id) const override;

 private:
  // Id usable as a merge result / piece: normal or user-defined tokens only.
  int32_t piece_id(std::string_view text) const;
  // Merges the escaped text `text` as one sequence.
  void encode_chunk(std::string_view text, std::vector<int32_t>& out) const;

  bool word_local_ = false;  // see above
};

}  // namespace sinkstream::tokenizer
