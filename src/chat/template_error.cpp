#include "chat/template_error.hpp"

#include "sinkstream/error.hpp"

namespace sinkstream::chat {

namespace {
std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}
}  // namespace

void syntax_error(int line, const std::string& what) {
  throw Error(ErrorKind::kFormat, one_line(std::string("chat template: line ") + std::to_string(line) + ": " + what));
}

void render_error(const std::string& what) {
  throw Error(ErrorKind::kInvalidArg, one_line(std::string("chat template: ") + what));
}

}  // namespace sinkstream::chat
