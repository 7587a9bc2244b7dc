#include "io/gguf_writer.hpp"

#include <bit>
#include <cstring>
#include <fstream>
#include <limits>

#include "io/gguf.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::io::gguf {

namespace {

void put_le(std::vector<uint8_t>& out, uint64_t v, size_t n) {
  for (size_t k = 0; k < n; ++k) out.push_back(static_cast<uint8_t>(v >> (8 * k)));
}

void put_string(std::vector<uint8_t>& out, const std::string& s) {
  put_le(out, s.size(), 8);
  out.insert(out.end(), s.begin(), s.end());
}

void check_value(const std::string& key, const Value& v, int depth) {
  if (v.type != ValueType::kArray) return;
  if (depth >= 8) throw Error(ErrorKind::kInvalidArg, "gguf writer: key '" + key + "': arrays nested too deep");
  for (const Value& item : v.items) {
    if (item.type != v.elem) {
      throw Error(ErrorKind::kInvalidArg, "gguf writer: key '" + key + "': array of " + value_type_name(v.elem) +
                                              " holds a " + value_type_name(item.type));
    }
    check_value(key, item, depth + 1);
  }
}

void put_value(std::vector<uint8_t>& out, const Value& v) {
  switch (v.type) {
    case ValueType::kU8: case ValueType::kBool: put_le(out, v.u, 1); return;
    case ValueType::kU16: put_le(out, v.u, 2); return;
    case ValueType::kU32: put_le(out, v.u, 4); return;
    case ValueType::kU64: put_le(out, v.u, 8); return;
    case ValueType::kI8: put_le(out, static_cast<uint64_t>(v.i), 1); return;
    case ValueType::kI16: put_le(out, static_cast<uint64_t>(v.i), 2); return;
    case ValueType::kI32: put_le(out, static_cast<uint64_t>(v.i), 4); return;
    case ValueType::kI64: put_le(out, static_cast<uint64_t>(v.i), 8); return;
    case ValueType::kF32: put_le(out, std::bit_cast<uint32_t>(static_cast<float>(v.f)), 4); return;
    case ValueType::kF64: put_le(out, std::bit_cast<uint64_t>(v.f), 8); return;
    case ValueType::kString: put_string(out, v.s); return;
    case ValueType::kArray:
      put_le(out, static_cast<uint32_t>(v.elem), 4);
      put_le(out, v.items.size(), 8);
      for (const Value& item : v.items) put_value(out, item);
      return;
  }
}

uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

}  // namespace

Writer::Writer(uint64_t alignment) : alignment_(alignment) {
  if (alignment < 8 || (alignment & (alignment - 1)) != 0 || alignment > (uint64_t{1} << 30)) {
    throw Error(ErrorKind::kInvalidArg, "gguf writer: alignment " + std::to_string(alignment) +
                                            " is not a power of two in [8, 2^30]");
  }
  if (alignment != kDefaultAlignment) set_u32("general.alignment", static_cast<uint32_t>(alignment));
}

void Writer::set(const std::string& key, Value v) {
  if (key.size() > 65535) throw Error(ErrorKind::kInvalidArg, "gguf writer: key longer than 65535 bytes");
  check_value(key, v, 0);
  if (key == "general.alignment") {
    if (v.type != ValueType::kU32 || v.u != alignment_) {
      throw Error(ErrorKind::kInvalidArg, "gguf writer: set the alignment through the Writer constructor");
    }
  }
  for (auto& [k, old] : kv_) {
    if (k == key) {
      old = std::move(v);
      return;
    }
  }
  kv_.emplace_back(key, std::move(v));
}

void Writer::add_tensor(const std::string& name, core::DType type, std::vector<int64_t> dims,
                        std::span<const uint8_t> data) {
  add_tensor(name, type, std::move(dims), std::vector<uint8_t>(data.begin(), data.end()));
}

void Writer::check_tensor(const std::string& name, const std::vector<int64_t>& dims, core::DType type,
                          size_t size) const {
  const std::string ctx = "gguf writer: tensor '" + name + "': ";
  if (name.empty() || name.size() > 256) throw Error(ErrorKind::kInvalidArg, ctx + "name must be 1..256 bytes");
  for (const Tensor& t : tensors_) {
    if (t.name == name) throw Error(ErrorKind::kInvalidArg, ctx + "duplicate name");
  }
  if (dims.empty() || dims.size() > 4) throw Error(ErrorKind::kInvalidArg, ctx + "needs 1..4 dims");
  size_t rows = 1;
  for (size_t k = 0; k < dims.size(); ++k) {
    if (dims[k] <= 0) throw Error(ErrorKind::kInvalidArg, ctx + "dims must be > 0");
    if (k > 0) rows *= static_cast<size_t>(dims[k]);
  }
  const size_t bytes = core::dtype_row_bytes(type, dims[0]) * rows;
  if (size != bytes) {
    throw Error(ErrorKind::kInvalidArg, ctx + "data is " + std::to_string(size) + " bytes, expected " +
                                            std::to_string(bytes));
  }
}

void Writer::add_tensor(const std::string& name, core::DType type, std::vector<int64_t> dims, std::vector<uint8_t>&& data) {
  check_tensor(name, dims, type, data.size());
  tensors_.push_back(Tensor{name, type, std::move(dims), std::move(data), {}, false});
}

void Writer::add_tensor_view(const std::string& name, core::DType type, std::vector<int64_t> dims,
                             std::span<const uint8_t> data) {
  check_tensor(name, dims, type, data.size());
  tensors_.push_back(Tensor{name, type, std::move(dims), {}, data, true});
}

std::vector<uint8_t> Writer::header(std::vector<uint64_t>* offsets) const {
  std::vector<uint8_t> out;
  put_le(out, kMagic, 4);
  put_le(out, 3, 4);
  put_le(out, tensors_.size(), 8);
  put_le(out, kv_.size(), 8);
  for (const auto& [key, v] : kv_) {
    put_string(out, key);
    put_le(out, static_cast<uint32_t>(v.type), 4);
    put_value(out, v);
  }
  uint64_t offset = 0;
  offsets->clear();
  for (const Tensor& t : tensors_) {
    offset = align_up(offset, alignment_);
    offsets->push_back(offset);
    put_string(out, t.name);
    put_le(out, t.dims.size(), 4);
    for (int64_t d : t.dims) put_le(out, static_cast<uint64_t>(d), 8);
    put_le(out, static_cast<uint32_t>(t.type), 4);
    put_le(out, offset, 8);
    offset += t.bytes().size();
  }
  out.resize(align_up(out.size(), alignment_), 0);
  return out;
}

std::vector<uint8_t> Writer::to_bytes() const {
  std::vector<uint64_t> offsets;  // [n_tensors] offsets in the data section
  std::vector<uint8_t> out = header(&offsets);
  const size_t data_start = out.size();
  for (size_t k = 0; k < tensors_.size(); ++k) {
    out.resize(data_start + offsets[k], 0);
    out.insert(out.end(), tensors_[k].bytes().begin(), tensors_[k].bytes().end());
  }
  return out;
}

void Writer::write(const std::string& path) const {
  std::vector<uint64_t> offsets;  // [n_tensors] offsets in the data section
  const std::vector<uint8_t> head = header(&offsets);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw Error(ErrorKind::kIo, path + ": cannot open for writing");
  f.write(reinterpret_cast<const char*>(head.data()), static_cast<std::streamsize>(head.size()));
  uint64_t pos = 0;  // bytes of the data section written so far
  const std::vector<char> zeros(static_cast<size_t>(alignment_), 0);
  for (size_t k = 0; k < tensors_.size(); ++k) {
    f.write(zeros.data(), static_cast<std::streamsize>(offsets[k] - pos));
    f.write(reinterpret_cast<const char*>(tensors_[k].bytes().data()),
            static_cast<std::streamsize>(tensors_[k].bytes().size()));
    pos = offsets[k] + tensors_[k].bytes().size();
  }
  f.close();
  if (!f) throw Error(ErrorKind::kIo, path + ": write failed");
}

}  // namespace sinkstream::io::gguf
