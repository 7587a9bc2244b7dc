// GGUF v3 writer: metadata of any value type (nested arrays included) and tensors,
// each tensor's data aligned to `alignment` (written as general.alignment when it
// is not the default 32). Used by the converter, `sinkstream quantize` and tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/dtype.hpp"
#include "io/gguf_value.hpp"

namespace sinkstream::io::gguf {

class Writer {
 public:
  // alignment: a power of two in [8, 2^30] (throws kInvalidArg otherwise).
  explicit Writer(uint64_t alignment = 32);

  // Adds or replaces a key (keys keep their first insertion order). Arrays must be
  // homogeneous (every item of type `elem`); throws kInvalidArg otherwise.
  void set(const std::string& key, Value v);
  void set_string(const std::string& key, std::string v) { set(key, Value::string(std::move(v))); }
  void set_u32(const std::string& key, uint32_t v) { set(key, Value::u32(v)); }
  void set_i32(const std::string& key, int32_t v) { set(key, Value::i32(v)); }
  void set_u64(const std::string& key, uint64_t v) { set(key, Value::u64(v)); }
  void set_f32(const std::string& key, float v) { set(key, Value::f32(v)); }
  void set_bool(const std::string& key, bool v) { set(key, Value::boolean(v)); }
  void set_string_array(const std::string& key, const std::vector<std::string>& v) { set(key, Value::string_array(v)); }
  void set_f32_array(const std::string& key, const std::vector<float>& v) { set(key, Value::f32_array(v)); }
  void set_i32_array(const std::string& key, const std::vector<int32_t>& v) { set(key, Value::i32_array(v)); }

  // dims in ggml order (dims[0] = elements per row), 1..4 dims, each > 0;
  // data: exactly dtype_row_bytes(type, dims[0]) * product(dims[1..]) bytes, copied.
  void add_tensor(const std::string& name, core::DType type, std::vector<int64_t> dims, std::span<const uint8_t> data);
  void add_tensor(const std::string& name, core::DType type, std::vector<int64_t> dims, std::vector<uint8_t>&& data);

  // As add_tensor, without a copy: `data` must stay valid and unchanged until the
  // last write() / to_bytes() (export of weights already in their stored type, so a
  // 12 GB model is not held twice).
  void add_tensor_view(const std::string& name, core::DType type, std::vector<int64_t> dims,
                       std::span<const uint8_t> data);

  std::vector<uint8_t> to_bytes() const;   // the whole file image
  void write(const std::string& path) const;  // streams to `path`; throws kIo naming it

  size_t n_tensors() const { return tensors_.size(); }

 private:
  struct Tensor {
    std::string name;
    core::DType type;
    std::vector<int64_t> dims;
    std::vector<uint8_t> owned;      // [bytes] when copied in (add_tensor)
    std::span<const uint8_t> view;   // the caller's bytes (add_tensor_view)
    bool is_view = false;
    std::span<const uint8_t> bytes() const { return is_view ? view : std::span<const uint8_t>(owned); }
  };
  void check_tensor(const std::string& name, const std::vector<int64_t>& dims, core::DType type, size_t size) const;
  // Header, key/values, tensor infos and padding up to the data section;
  // offsets receives each tensor's offset in the data section.
  std::vector<uint8_t> header(std::vector<uint64_t>* offsets) const;

  uint64_t alignment_;
  std::vector<std::pair<std::string, Value>> kv_;  // insertion order
  std::vector<Tensor> tensors_;
};

}  // namespace sinkstream::io::gguf
