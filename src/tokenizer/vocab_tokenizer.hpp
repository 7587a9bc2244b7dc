// Shared base of the GGUF-style tokenizers (SPM, byte-level BPE, WordPiece):
// owns the VocabData, the text -> id index and the added-token matcher, and does
// the work common to all three: BOS/EOS framing, splitting out special-token
// text, decoding control / user-defined / byte tokens. Subclasses encode plain
// text fragments and render normal tokens.
//
// Immutable after construction; every method is const and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sinkstream/tokenizer.hpp"
#include "tokenizer/special_tokens.hpp"
#include "tokenizer/vocab_data.hpp"

namespace sinkstream::tokenizer {

class VocabTokenizer : public Tokenizer {
 public:
  // add_bos = "add the model's special framing": BOS first (when the vocab has
  // one), EOS last when tokenizer.ggml.add_eos_token is set, and WordPiece's
  // [SEP] last when add_sep. parse_special defaults to false: control-token
  // text in the input is encoded as plain text. User-defined (added) tokens are
  // always matched, as HF tokenizers and llama.cpp do.
  std::vector<int32_t> encode(std::string_view text, bool add_bos) const override;
  std::vector<int32_t> encode(std::string_view text, bool add_bos, bool parse_special) const override;

  // Control and unknown tokens decode to nothing; user-defined tokens to their
  // text; byte tokens to their byte; normal tokens per model (normal_piece).
  std::string decode_piece(int32_t prev, int32_t id) const override;

  int32_t vocab_size() const override { return static_cast<int32_t>(v_.tokens.size()); }
  int32_t bos_id() const override { return v_.bos_id; }
  int32_t eos_id() const override { return v_.eos_id; }
  bool add_bos_default() const override { return v_.add_bos; }
  bool add_eos_default() const { return v_.add_eos; }
  int32_t unk_id() const { return v_.unk_id; }
  int32_t pad_id() const { return v_.pad_id; }

  const VocabData& vocab() const { return v_; }
  const std::string& token_text(int32_t id) const { return v_.tokens[static_cast<size_t>(id)]; }
  TokenType token_type(int32_t id) const { return v_.type(static_cast<size_t>(id)); }
  // Id of a token by its exact text, or -1.
  int32_t lookup(std::string_view text) const;

 protected:
  // Validates `v` (throws sinkstream::Error naming v.source).
  explicit VocabTokenizer(VocabData v);

  // Appends the ids of plain text `text` (no special-token text inside).
  // `at_start`: the fragment begins the input or follows a special token.
  virtual void encode_text(std::string_view text, bool at_start, std::vector<int32_t>& out) const = 0;
  // Bytes of normal token `id` after `prev` (-1 at the start).
  virtual std::string normal_piece(int32_t prev, int32_t id) const = 0;

  // Whether `id` is a token that starts a new "word" for decoding purposes
  // (the start of the sequence, BOS, or a control token).
  bool is_boundary(int32_t id) const;

  // Id of the <0xXX> byte token for `b`, or -1.
  int32_t byte_token(uint8_t b) const { return byte_tokens_[b]; }

  VocabData v_;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, int32_t, Hash, std::equal_to<>> index_;
  SpecialTokenMatcher special_;
  int32_t byte_tokens_[256];
};

}  // namespace sinkstream::tokenizer
