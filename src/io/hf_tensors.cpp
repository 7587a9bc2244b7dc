#include "io/hf_tensors.hpp"

#include <cstring>

#include "core/row_dot.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::io {

namespace {

std::string shape_str(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

}  // namespace

HfTensors::HfTensors(std::shared_ptr<const safetensors::Archive> archive) : archive_(std::move(archive)) {
  file_ = archive_->files().empty() ? std::string("<safetensors>") : archive_->files().front();
  owned_.push_back(archive_);
}

bool HfTensors::has(const std::string& name) const { return archive_->find(name) != nullptr; }

const safetensors::Tensor& HfTensors::get(const std::string& name, int64_t rows, int64_t cols) const {
  const safetensors::Tensor* t = archive_->find(name);
  if (t == nullptr) throw Error(ErrorKind::kFormat, file_ + ": tensor '" + name + "' is missing");
  const std::vector<int64_t> want = rows < 0 ? std::vector<int64_t>{cols} : std::vector<int64_t>{rows, cols};
  if (t->shape != want) {
    throw Error(ErrorKind::kFormat, t->file + ": tensor '" + name + "' has shape " + shape_str(t->shape) +
                                        ", expected " + shape_str(want));
  }
  return *t;
}

core::TensorView HfTensors::matrix(const std::string& name, int64_t rows, int64_t cols) {
  const safetensors::Tensor& t = get(name, rows, cols);
  const bool aligned = reinterpret_cast<uintptr_t>(t.data) % (t.type == core::DType::kF32 ? 4 : 2) == 0;
  if (!aligned) return own(name, f32(name, rows, cols), rows, cols);
  core::TensorView v;
  v.name = name;
  v.type = t.type;
  v.data = t.data;
  v.rows = rows;
  v.cols = cols;
  return v;
}

std::vector<float> HfTensors::f32(const std::string& name, int64_t rows, int64_t cols) {
  const safetensors::Tensor& t = get(name, rows, cols);
  const int64_t r = rows < 0 ? 1 : rows;
  std::vector<float> out(static_cast<size_t>(r * cols));
  if (t.type == core::DType::kF32) {
    std::memcpy(out.data(), t.data, out.size() * sizeof(float));  // also fixes misalignment
  } else {
    const size_t row_bytes = core::dtype_row_bytes(t.type, cols);
    for (int64_t i = 0; i < r; ++i) {
      core::row_dequantize_ref(t.type, static_cast<const uint8_t*>(t.data) + static_cast<size_t>(i) * row_bytes,
                         out.data() + static_cast<size_t>(i * cols), cols);
    }
  }
  return out;
}

std::vector<float> HfTensors::f32_shaped(const std::string& name, const std::vector<int64_t>& shape) {
  const safetensors::Tensor* t = archive_->find(name);
  if (t == nullptr) throw Error(ErrorKind::kFormat, file_ + ": tensor '" + name + "' is missing");
  if (t->shape != shape || shape.empty()) {
    throw Error(ErrorKind::kFormat, t->file + ": tensor '" + name + "' has shape " + shape_str(t->shape) +
                                        ", expected " + shape_str(shape));
  }
  const int64_t cols = shape.back();
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < shape.size(); ++i) rows *= shape[i];
  std::vector<float> out(static_cast<size_t>(rows * cols));
  const size_t row_bytes = core::dtype_row_bytes(t->type, cols);
  for (int64_t i = 0; i < rows; ++i) {
    core::row_dequantize_ref(t->type, static_cast<const uint8_t*>(t->data) + static_cast<size_t>(i) * row_bytes,
                       out.data() + static_cast<size_t>(i * cols), cols);
  }
  return out;
}

core::TensorView HfTensors::vector(const std::string& name, int64_t n) {
  const safetensors::Tensor& t = get(name, -1, n);
  if (t.type == core::DType::kF32 && reinterpret_cast<uintptr_t>(t.data) % 4 == 0) {
    core::TensorView v;
    v.name = name;
    v.data = t.data;
    v.rows = 1;
    v.cols = n;
    return v;
  }
  return own(name, f32(name, -1, n), 1, n);
}

core::TensorView HfTensors::optional_vector(const std::string& name, int64_t n) {
  return has(name) ? vector(name, n) : core::TensorView{};
}

// A view of `rows` x `cols` elements of `type` in a buffer the returned view shares with owned_.
template <typename T>
core::TensorView HfTensors::keep(const std::string& name, std::vector<T> data, core::DType type, int64_t rows,
                                 int64_t cols) {
  if (data.size() * sizeof(T) != core::dtype_row_bytes(type, cols) * static_cast<size_t>(rows)) {
    throw Error(ErrorKind::kFormat, file_ + ": tensor '" + name + "': internal size mismatch");
  }
  auto buf = std::make_shared<const std::vector<T>>(std::move(data));
  core::TensorView v;
  v.name = name;
  v.type = type;
  v.data = buf->data();
  v.rows = rows;
  v.cols = cols;
  owned_.push_back(std::move(buf));
  return v;
}

core::TensorView HfTensors::own(const std::string& name, std::vector<float> data, int64_t rows, int64_t cols) {
  return keep(name, std::move(data), core::DType::kF32, rows, cols);
}

core::TensorView HfTensors::own_bytes(const std::string& name, std::vector<uint8_t> data, core::DType type,
                                      int64_t rows, int64_t cols) {
  return keep(name, std::move(data), type, rows, cols);
}

bool HfTensors::has_u8(const std::string& name) const { return archive_->find_u8(name) != nullptr; }

std::span<const uint8_t> HfTensors::u8_shaped(const std::string& name, const std::vector<int64_t>& shape) const {
  const safetensors::Tensor* t = archive_->find_u8(name);
  if (t == nullptr) throw Error(ErrorKind::kFormat, file_ + ": U8 tensor '" + name + "' is missing");
  if (t->shape != shape) {
    throw Error(ErrorKind::kFormat, t->file + ": tensor '" + name + "' has shape " + shape_str(t->shape) +
                                        ", expected " + shape_str(shape));
  }
  return {static_cast<const uint8_t*>(t->data), t->bytes};
}

core::TensorView HfTensors::rows(const core::TensorView& m, int64_t row0, int64_t n, const std::string& name) {
  if (row0 < 0 || n <= 0 || row0 + n > m.rows) {
    throw Error(ErrorKind::kFormat, "tensor '" + m.name + "': rows [" + std::to_string(row0) + ", " +
                                        std::to_string(row0 + n) + ") outside its " + std::to_string(m.rows));
  }
  core::TensorView v = m;
  v.name = name;
  v.data = m.row_ptr(row0);
  v.rows = n;
  return v;
}

std::vector<std::shared_ptr<const void>> HfTensors::take_owners() { return std::move(owned_); }

}  // namespace sinkstream::io
