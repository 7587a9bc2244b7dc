#include "tokenizer/vocab_data.hpp"

#include <cstdint>

#include "sinkstream/error.hpp"

namespace sinkstream::tokenizer {

void validate_vocab(const VocabData& v) {
  auto fail = [&v](const std::string& what) { throw Error(ErrorKind::kFormat, v.source + ": " + what); };
  const size_t n = v.tokens.size();
  if (n == 0) fail("tokenizer.ggml.tokens is empty");
  if (n > static_cast<size_t>(INT32_MAX)) fail("tokenizer.ggml.tokens has more than 2^31-1 entries");
  if (!v.scores.empty() && v.scores.size() != n) {
    fail("tokenizer.ggml.scores has " + std::to_string(v.scores.size()) + " entries but tokenizer.ggml.tokens has " +
         std::to_string(n));
  }
  if (!v.types.empty() && v.types.size() != n) {
    fail("tokenizer.ggml.token_type has " + std::to_string(v.types.size()) +
         " entries but tokenizer.ggml.tokens has " + std::to_string(n));
  }
  for (size_t i = 0; i < v.types.size(); ++i) {
    const auto t = static_cast<int32_t>(v.types[i]);
    if (t < 0 || t > 6) fail("tokenizer.ggml.token_type[" + std::to_string(i) + "] = " + std::to_string(t) + " is not in [0, 6]");
  }
  auto check_id = [&](int32_t id, const char* key) {
    if (id < -1 || id >= static_cast<int64_t>(n)) {
      fail(std::string(key) + " = " + std::to_string(id) + " is outside the vocabulary [0, " + std::to_string(n) + ")");
    }
  };
  check_id(v.bos_id, "tokenizer.ggml.bos_token_id");
  check_id(v.eos_id, "tokenizer.ggml.eos_token_id");
  check_id(v.unk_id, "tokenizer.ggml.unknown_token_id");
  check_id(v.pad_id, "tokenizer.ggml.padding_token_id");
  check_id(v.sep_id, "tokenizer.ggml.seperator_token_id");
  if (v.add_bos && v.bos_id < 0) fail("tokenizer.ggml.add_bos_token is true but there is no tokenizer.ggml.bos_token_id");
  if (v.add_eos && v.eos_id < 0) fail("tokenizer.ggml.add_eos_token is true but there is no tokenizer.ggml.eos_token_id");
  // An empty merge list is legal: a pure byte-level vocabulary (every token a byte).
}

}  // namespace sinkstream::tokenizer
