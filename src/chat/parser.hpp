// Tokens -> statement tree, following jinja2's grammar and operator precedence.
#pragma once

#include <vector>

#include "chat/ast.hpp"
#include "chat/lexer.hpp"

namespace sinkstream::chat {

// Throws sinkstream::Error (with the line) on a syntax error, an unsupported tag,
// or nesting deeper than kMaxParseDepth.
Body parse(const std::vector<Token>& tokens);

}  // namespace sinkstream::chat
