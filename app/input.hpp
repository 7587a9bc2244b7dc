// Reading the input of the evaluation commands: whole files or stdin.
#pragma once

#include <string>

namespace sinkstream::cli {

// The bytes of `path`; Error(kIo) naming it when it cannot be read.
std::string read_input_file(const std::string& path);
// Everything on stdin.
std::string read_stdin();
// Refuses an output path that cannot be opened for writing (Error(kIo) naming
// it), before a long run rather than after. Opens in append mode: an existing
// file is left as it is; a new one is created empty.
void ensure_writable(const std::string& path);
// True when the text has no non-whitespace character.
bool is_blank(const std::string& text);

}  // namespace sinkstream::cli
