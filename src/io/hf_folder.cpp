#include "io/hf_folder.hpp"

#include <filesystem>

namespace sinkstream::io {

bool is_hf_folder(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec) &&
         std::filesystem::is_regular_file(std::filesystem::path(path) / "config.json", ec);
}

}  // namespace sinkstream::io
