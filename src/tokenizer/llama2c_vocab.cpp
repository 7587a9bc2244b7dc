#include "tokenizer/llama2c_vocab.hpp"

#include <cstdio>

namespace sinkstream::tokenizer {

VocabData vocab_from_llama2c(const Llama2cTokenizer& t) {
  VocabData v;
  v.source = "llama2.c tokenizer";
  v.model = VocabModel::kSpm;
  const int32_t n = t.vocab_size();
  v.tokens.resize(static_cast<size_t>(n));
  v.scores.resize(static_cast<size_t>(n));
  v.types.assign(static_cast<size_t>(n), TokenType::kNormal);
  for (int32_t i = 0; i < n; ++i) {
    const size_t k = static_cast<size_t>(i);
    v.scores[k] = t.score(i);
    if (i >= 3 && i < 3 + 256) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "<0x%02X>", i - 3);
      v.tokens[k] = buf;
      v.types[k] = TokenType::kByte;
      continue;
    }
    std::string s;
    for (char ch : t.piece(i)) s += ch == ' ' ? std::string("\xE2\x96\x81") : std::string(1, ch);
    v.tokens[k] = s;
  }
  v.types[0] = TokenType::kUnknown;
  v.types[1] = TokenType::kControl;
  v.types[2] = TokenType::kControl;
  v.unk_id = 0;
  v.bos_id = 1;
  v.eos_id = 2;
  v.add_bos = true;
  v.add_space_prefix = true;
  return v;
}

}  // namespace sinkstream::tokenizer
