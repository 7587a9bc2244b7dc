// Splits template source into text and tag tokens, applying jinja2's whitespace
// control ({%- -%}, {{- -}}, {#- -#}, {%+ +%}) and the trim_blocks / lstrip_blocks
// options, and tokenizes the expressions inside tags.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sinkstream::chat {

enum class Tok {
  kText,        // literal template data
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,
  kString,      // text holds the unescaped value
  kInt,
  kFloat,
  kOp,          // operator or punctuation, text holds it
  kEnd,         // end of the template
};

struct Token {
  Tok type = Tok::kEnd;
  std::string text;
  int line = 1;
};

struct LexOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
};

// Throws sinkstream::Error on an unterminated tag, comment or string.
std::vector<Token> tokenize(std::string_view source, const LexOptions& options);

}  // namespace sinkstream::chat
