// Splits text with a sequence of regexes, the way HF tokenizers' Split
// pre-tokenizer (behaviour "isolated") and llama.cpp do: each regex splits every
// fragment left by the previous one into its matches and the text between them
// (both kept, order preserved). Each fragment is matched on its own, so
// look-arounds never see past its ends.
//
// Regexes are PCRE2 with UTF and Unicode properties (\p{L}, \s, ...), compiled
// (and JIT-compiled when available) once; the splitter is immutable and safe to
// share between threads (each call allocates its own match data). Invalid UTF-8
// in the input never matches and ends up in the between-match fragments.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sinkstream::tokenizer {

class RegexSplitter {
 public:
  // Throws sinkstream::Error (kFormat) naming `what` and the pattern that does not compile.
  RegexSplitter(const std::vector<std::string>& patterns, const std::string& what);
  ~RegexSplitter();
  RegexSplitter(const RegexSplitter&) = delete;
  RegexSplitter& operator=(const RegexSplitter&) = delete;

  // Fragments of `text` as [begin, end) byte ranges, in order, covering it
  // exactly; empty for empty text.
  std::vector<std::pair<size_t, size_t>> split(std::string_view text) const;

  size_t size() const { return codes_.size(); }

 private:
  struct Code;
  std::vector<std::unique_ptr<Code>> codes_;
  std::string what_;
};

}  // namespace sinkstream::tokenizer
