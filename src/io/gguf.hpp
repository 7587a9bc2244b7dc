// GGUF (v2, v3) reader over a read-only memory map.
//
// File layout (little-endian):
//   u32 magic "GGUF", u32 version, u64 n_tensors, u64 n_kv,
//   n_kv x { string key, u32 value_type, value },
//   n_tensors x { string name, u32 n_dims, u64 dims[n_dims], u32 ggml_type, u64 offset },
//   padding to general.alignment (default 32; a power of two >= 8), then the tensor data section.
// string = u64 length + bytes (no terminator); array = u32 elem_type, u64 count, elems.
// Tensor offsets are relative to the start of the data section.
//
// Parsing walks every key/value and tensor info once, bounds-checked, without
// allocating more than the file can justify (each count is checked against the
// bytes left before anything is reserved). Values are decoded lazily from the
// mapping by the getters. Every error is sinkstream::Error (kFormat) naming the
// file and the key or tensor at fault.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/dtype.hpp"
#include "io/byte_cursor.hpp"
#include "io/gguf_value.hpp"
#include "io/mapped_file.hpp"

namespace sinkstream::io::gguf {

inline constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian u32
inline constexpr uint64_t kDefaultAlignment = 32;

struct TensorInfo {
  std::string name;
  core::DType type = core::DType::kF32;
  std::vector<int64_t> dims;  // ggml order: dims[0] = elements per row (innermost)
  uint64_t offset = 0;        // from the start of the data section
  size_t bytes = 0;           // dtype_row_bytes(type, dims[0]) * (product of dims[1..])
  const void* data = nullptr; // inside the mapping (or the owned buffer)

  int64_t numel() const;
  int64_t cols() const { return dims.empty() ? 0 : dims[0]; }  // elements per row
  int64_t rows() const;                                         // product of dims[1..]
};

class File {
  struct Key {};  // restricts construction to open()/parse()

 public:
  // Maps `path` and parses it. Throws sinkstream::Error (kIo or kFormat).
  static std::shared_ptr<const File> open(const std::string& path);
  // Parses a copy of an in-memory image (`name` is used in error messages).
  // The entry point of the fuzzer; tensors' data point into the owned copy.
  static std::shared_ptr<const File> parse(const void* data, size_t size, const std::string& name = "<memory>");

  File(Key, std::shared_ptr<const MappedFile> map, std::vector<uint8_t> owned, std::string path);

  uint32_t version() const { return version_; }
  const std::string& path() const { return path_; }
  uint64_t alignment() const { return alignment_; }
  size_t data_offset() const { return data_offset_; }  // start of the data section in the file

  bool has(std::string_view key) const;
  ValueType type_of(std::string_view key) const;  // throws if missing

  std::string get_string(std::string_view key) const;  // throws if missing or wrong type
  std::string get_string(std::string_view key, std::string_view fallback) const;
  int64_t get_int(std::string_view key) const;  // any integer type, range-checked to int64
  int64_t get_int(std::string_view key, int64_t fallback) const;
  double get_float(std::string_view key) const;  // f32/f64 (integers accepted)
  double get_float(std::string_view key, double fallback) const;
  bool get_bool(std::string_view key) const;
  bool get_bool(std::string_view key, bool fallback) const;

  std::vector<std::string> get_string_array(std::string_view key) const;
  std::vector<float> get_f32_array(std::string_view key) const;    // f32/f64 elements
  std::vector<int32_t> get_i32_array(std::string_view key) const;  // any integer element type, range-checked
  size_t array_size(std::string_view key) const;                   // throws if not an array
  ValueType array_type(std::string_view key) const;                // element type; throws if not an array

  // Fully decoded value (nested arrays included). Builds a tree of Value (about 100 bytes
  // per element); the typed array getters above are the compact way to read big arrays.
  Value get(std::string_view key) const;

  std::vector<std::string> keys() const;  // in file order
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find_tensor(std::string_view name) const;  // nullptr if absent

  // Keeps the tensor data alive; nullptr for a File made by parse().
  std::shared_ptr<const MappedFile> mapping() const { return map_; }

 private:
  struct Entry {
    std::string key;
    ValueType type = ValueType::kU8;
    size_t pos = 0;  // byte offset of the value payload (after the u32 type)
  };

  void parse_all();
  const Entry& entry(std::string_view key) const;  // throws if missing
  const Entry* find(std::string_view key) const;
  // Cursor at the first element of array `key`; throws if missing or not an array.
  ByteCursor array_cursor(std::string_view key, ValueType* elem, uint64_t* count) const;
  [[noreturn]] void fail(std::string_view key, const std::string& what) const;

  std::shared_ptr<const MappedFile> map_;
  std::vector<uint8_t> owned_;  // [size_] image when parsed from memory
  const uint8_t* base_ = nullptr;
  size_t size_ = 0;
  std::string path_;

  uint32_t version_ = 0;
  uint64_t alignment_ = kDefaultAlignment;
  size_t data_offset_ = 0;
  std::vector<Entry> entries_;                          // file order
  std::unordered_map<std::string_view, size_t> index_;  // key (views entries_[i].key) -> i
  std::vector<TensorInfo> tensors_;                     // file order
  std::unordered_map<std::string_view, size_t> tensor_index_;
};

}  // namespace sinkstream::io::gguf
