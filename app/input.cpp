#include "input.hpp"

#include <cctype>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "sinkstream/error.hpp"

namespace sinkstream::cli {

std::string read_input_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(ErrorKind::kIo, path + ": cannot open");
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) throw Error(ErrorKind::kIo, path + ": read failed");
  return ss.str();
}

std::string read_stdin() {
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

void ensure_writable(const std::string& path) {
  std::ofstream f(path, std::ios::binary | std::ios::app);
  if (!f) throw Error(ErrorKind::kIo, path + ": cannot open for writing");
}

bool is_blank(const std::string& text) {
  for (const char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace sinkstream::cli
