// sinkstream — typed errors. Library code throws sinkstream::Error; the CLI prints
// its message on one line and exits non-zero. Messages name the file, tensor or
// field at fault.
#pragma once

#include <stdexcept>
#include <string>

namespace sinkstream {

enum class ErrorKind {
  kIo,          // file missing, unreadable, mmap failure
  kFormat,      // malformed or truncated model / tokenizer / state file
  kUnsupported, // valid input that this build does not handle yet
  kInvalidArg,  // bad option value or API argument
  kRange,       // value out of the range the model or cache allows
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

}  // namespace sinkstream
