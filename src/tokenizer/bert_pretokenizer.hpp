// BERT's text normalization and word splitting (HF BertNormalizer followed by
// BertPreTokenizer), over code points:
//   1. drop NUL, U+FFFD, malformed bytes and control / format / unassigned /
//      private-use characters; turn whitespace into ' ';
//   2. put spaces around CJK ideographs;
//   3. strip_accents: NFD, then drop nonspacing marks (Mn);
//   4. lowercase: full Unicode lowercase mapping, character by character;
//   5. split on whitespace; every punctuation character (Unicode P* or ASCII
//      punctuation / symbols) is a word of its own.
// Uses ICU for categories, NFD and case mapping.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sinkstream::tokenizer {

struct BertNormalizeOptions {
  bool lowercase = true;
  bool strip_accents = true;
};

// UTF-8 words of `text`, in order.
std::vector<std::string> bert_pretokenize(std::string_view text, const BertNormalizeOptions& opt);

// Code point ranges that BERT treats as CJK ideographs.
bool bert_is_cjk(char32_t cp);

}  // namespace sinkstream::tokenizer
