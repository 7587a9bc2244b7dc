// Byte-level BPE (GGUF tokenizer.ggml.model = "gpt2"): the pre-tokenizer
// regexes (by tokenizer.ggml.pre) cut the text into words; each word's bytes
// are mapped to GPT-2's byte-level characters, then adjacent symbols are merged,
// lowest tokenizer.ggml.merges rank first (leftmost on ties), until no ranked
// pair is left. Lossless: decode gives back the exact bytes.
// O(n log n) in the word length; the pre-tokenizer bounds words in practice.
#pragma once

#include <memory>
#include <unordered_map>

#include "tokenizer/regex_splitter.hpp"
#include "tokenizer/vocab_tokenizer.hpp"

namespace sinkstream::tokenizer {

class BpeTokenizer final : public VocabTokenizer {
 public:
  // Throws sinkstream::Error naming v.source for an unknown pre-tokenizer name
  // or a merge whose parts or result are not tokens.
  explicit BpeTokenizer(VocabData v);
  std::string kind() const override { return "bpe"; }

  // Rank of merging tokens (left, right), or -1.
  int32_t merge_rank(int32_t left, int32_t right) const;

 protected:
  void encode_text(std::string_view text, bool at_start, std::vector<int32_t>& out) const override;
  std::string normal_piece(int32_t prev, int32_t id) const override;

 private:
  struct Merge {
    int32_t rank;
    int32_t result;
  };
  static uint64_t key(int32_t l, int32_t r) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(l)) << 32) | static_cast<uint32_t>(r);
  }
  void encode_word(std::string_view word, std::vector<int32_t>& out) const;

  std::unordered_map<uint64_t, Merge> merges_;
  std::unique_ptr<RegexSplitter> splitter_;
  bool ignore_merges_ = false;
};

}  // namespace sinkstream::tokenizer
