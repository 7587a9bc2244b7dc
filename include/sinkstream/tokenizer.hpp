// Text <-> token ids. Implementations live in src/tokenizer/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sinkstream {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // UTF-8 text -> ids. add_bos prepends the BOS id when the tokenizer has one.
  virtual std::vector<int32_t> encode(std::string_view text, bool add_bos) const = 0;

  // As above; parse_special additionally turns the text of control tokens found
  // in the input (e.g. "<|endoftext|>", "<s>") into their ids instead of
  // encoding it as plain text. Tokenizers without special tokens ignore it.
  virtual std::vector<int32_t> encode(std::string_view text, bool add_bos, bool parse_special) const {
    (void)parse_special;
    return encode(text, add_bos);
  }

  // Whether this tokenizer's model expects BOS at the start of a prompt
  // (e.g. GGUF tokenizer.ggml.add_bos_token).
  virtual bool add_bos_default() const { return true; }

  // The bytes that token `id` contributes to the output when it follows `prev`
  // (-1 at the start). May be part of a UTF-8 sequence (byte-fallback tokens):
  // feed the result to a Utf8StreamDecoder before printing.
  virtual std::string decode_piece(int32_t prev, int32_t id) const = 0;

  // Whole-sequence decode (concatenated pieces, control tokens skipped).
  std::string decode(const std::vector<int32_t>& ids) const;

  virtual int32_t vocab_size() const = 0;
  virtual int32_t bos_id() const = 0;  // -1 if none
  virtual int32_t eos_id() const = 0;  // -1 if none
  virtual std::string kind() const = 0;  // "llama2c-spm", "spm", "bpe", "wordpiece"
};

// Buffers bytes and releases only complete UTF-8 sequences, so a terminal never
// sees half a character. Invalid bytes become U+FFFD.
class Utf8StreamDecoder {
 public:
  // Appends bytes; returns the longest prefix of buffered bytes made of complete sequences.
  std::string push(std::string_view bytes);
  // Returns what is left (an incomplete tail becomes U+FFFD) and resets.
  std::string flush();

 private:
  std::string pending_;
};

}  // namespace sinkstream
