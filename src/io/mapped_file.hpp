// Read-only memory map of a whole file. Throws sinkstream::Error (kIo) naming the
// path when the file is missing, unreadable or not a regular file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sinkstream::io {

class MappedFile {
 public:
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace sinkstream::io
