// The llama2.c tokenizer (tokenizer.bin): SentencePiece-style BPE over code
// points with byte fallback. Ids 0,1,2 are <unk>, <s>, </s>; 3..258 are <0x00>..<0xFF>.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "sinkstream/tokenizer.hpp"

namespace sinkstream::tokenizer {

class Llama2cTokenizer final : public Tokenizer {
 public:
  // Reads `path` holding exactly `vocab_size` entries. Throws sinkstream::Error
  // naming the file and the entry that overruns it.
  Llama2cTokenizer(const std::string& path, int32_t vocab_size);

  using Tokenizer::encode;
  std::vector<int32_t> encode(std::string_view text, bool add_bos) const override;
  std::string decode_piece(int32_t prev, int32_t id) const override;
  int32_t vocab_size() const override { return static_cast<int32_t>(pieces_.size()); }
  int32_t bos_id() const override { return 1; }
  int32_t eos_id() const override { return 2; }
  std::string kind() const override { return "llama2c-spm"; }

  const std::string& piece(int32_t id) const { return pieces_.at(static_cast<size_t>(id)); }
  float score(int32_t id) const { return scores_.at(static_cast<size_t>(id)); }
  // Id of an exact piece, or -1.
  int32_t lookup(std::string_view piece) const;

 private:
  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  std::unordered_map<std::string, int32_t> index_;
  int32_t max_token_length_ = 0;
};

}  // namespace sinkstream::tokenizer
