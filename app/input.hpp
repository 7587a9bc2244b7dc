// Reading the input of the evaluation commands: whole files or stdin.
#pragma once

#include <string>

namespace sinkstream::cli {

// The bytes of `path`; Error(kIo) naming it when it cannot be read.
std::string read_input_file(const std::string& path);
// Everything on stdin.
std::string read_stdin();
// True when the text has no non-whitespace character.
bool is_blank(const std::string& text);

}  // namespace sinkstream::cli
