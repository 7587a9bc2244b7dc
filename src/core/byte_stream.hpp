// Little helpers to serialize plain values and arrays into a byte string and
// read them back with every length checked against the bytes that remain.
// Used by saved session states. Native byte order (little-endian hosts).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "sinkstream/error.hpp"

namespace sinkstream::core {

class ByteWriter {
 public:
  template <typename T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    buf_.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  template <typename T>
  void put_vec(const std::vector<T>& v) {
    put<uint64_t>(v.size());
    buf_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  void put_str(const std::string& s) {
    put<uint64_t>(s.size());
    buf_.append(s);
  }
  const std::string& bytes() const { return buf_; }

 private:
  std::string buf_;
};

class ByteReader {
 public:
  // `what` names the source in error messages (e.g. the state file path).
  ByteReader(const char* data, size_t size, std::string what) : p_(data), left_(size), what_(std::move(what)) {}

  template <typename T>
  T get(const char* field) {
    static_assert(std::is_trivially_copyable_v<T>);
    need(sizeof(T), field);
    T v;
    std::memcpy(&v, p_, sizeof(T));
    advance(sizeof(T));
    return v;
  }
  template <typename T>
  std::vector<T> get_vec(const char* field) {
    const uint64_t n = get<uint64_t>(field);
    if (n > left_ / sizeof(T)) fail(std::string(field) + ": length " + std::to_string(n) + " overruns the data");
    std::vector<T> v(static_cast<size_t>(n));
    if (n != 0) std::memcpy(v.data(), p_, v.size() * sizeof(T));  // data() may be null when empty
    advance(v.size() * sizeof(T));
    return v;
  }
  std::string get_str(const char* field) {
    const uint64_t n = get<uint64_t>(field);
    if (n > left_) fail(std::string(field) + ": length " + std::to_string(n) + " overruns the data");
    std::string s(p_, static_cast<size_t>(n));
    advance(static_cast<size_t>(n));
    return s;
  }
  size_t left() const { return left_; }
  [[noreturn]] void fail(const std::string& why) const { throw Error(ErrorKind::kFormat, what_ + ": " + why); }

 private:
  void need(size_t n, const char* field) const {
    if (n > left_) fail(std::string("truncated while reading ") + field);
  }
  void advance(size_t n) {
    p_ += n;
    left_ -= n;
  }
  const char* p_;
  size_t left_;
  std::string what_;
};

}  // namespace sinkstream::core
