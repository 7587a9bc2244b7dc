// Bounds-checked little-endian reads from a byte range. Every read that would
// pass the end throws sinkstream::Error (kFormat) built by the owner's `fail`
// callback, so messages can name the file and the field being read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "sinkstream/error.hpp"

namespace sinkstream::io {

class ByteCursor {
 public:
  // data: [size] bytes; `source` names the file in error messages.
  ByteCursor(const uint8_t* data, size_t size, std::string source)
      : data_(data), size_(size), source_(std::move(source)) {}

  size_t pos() const { return pos_; }
  size_t size() const { return size_; }
  size_t remaining() const { return size_ - pos_; }
  void seek(size_t pos) {
    if (pos > size_) throw_truncated("seek");
    pos_ = pos;
  }

  // `what` names the field for the error message.
  void need(size_t n, std::string_view what) const {
    if (n > remaining()) throw_truncated(what);
  }
  void skip(size_t n, std::string_view what) {
    need(n, what);
    pos_ += n;
  }
  const uint8_t* take(size_t n, std::string_view what) {
    need(n, what);
    const uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  uint8_t u8(std::string_view what) { return *take(1, what); }
  uint16_t u16(std::string_view what) { return load<uint16_t>(what); }
  uint32_t u32(std::string_view what) { return load<uint32_t>(what); }
  uint64_t u64(std::string_view what) { return load<uint64_t>(what); }

 private:
  template <typename T>
  T load(std::string_view what) {
    const uint8_t* p = take(sizeof(T), what);
    T v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>(v | static_cast<T>(static_cast<T>(p[i]) << (8 * i)));
    return v;
  }
  [[noreturn]] void throw_truncated(std::string_view what) const {
    throw Error(ErrorKind::kFormat, source_ + ": truncated file: " + std::string(what) + " at byte " +
                                        std::to_string(pos_) + " runs past the end (" + std::to_string(size_) +
                                        " bytes)");
  }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  std::string source_;
};

}  // namespace sinkstream::io
