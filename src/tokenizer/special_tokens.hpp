// Finds the text of added tokens inside raw input before the model's own
// algorithm runs (HF "added tokens", llama.cpp's special-token partition).
// User-defined tokens (type 4) are always matched; control and unknown tokens
// (types 3, 2) only when parse_special is set. At each position the longest
// token wins, scanning left to right.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/vocab_data.hpp"

namespace sinkstream::tokenizer {

struct TextFragment {
  size_t begin = 0;  // byte range in the input, for text fragments
  size_t end = 0;
  int32_t token = -1;  // >= 0: the fragment is this token
};

class SpecialTokenMatcher {
 public:
  explicit SpecialTokenMatcher(const VocabData& v);

  // Splits `text` into text fragments and token fragments, in order.
  std::vector<TextFragment> split(std::string_view text, bool parse_special) const;

  bool empty() const { return count_ == 0; }

 private:
  struct Entry {
    std::string_view text;  // views VocabData-owned storage kept alive by the tokenizer
    int32_t id;
    bool always;  // user-defined
  };
  // Candidates by first byte, longest first.
  std::array<std::vector<Entry>, 256> by_first_{};
  size_t count_ = 0;
};

}  // namespace sinkstream::tokenizer
