// The one way chat-template code reports a problem: sinkstream::Error with a
// one-line message (newlines in a template's own message become spaces).
#pragma once

#include <string>

namespace sinkstream::chat {

// A syntax error, naming the line of the template.
[[noreturn]] void syntax_error(int line, const std::string& what);
// An error while rendering (a type error, an undefined value used, a cap, raise_exception).
[[noreturn]] void render_error(const std::string& what);

}  // namespace sinkstream::chat
