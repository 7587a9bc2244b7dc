// A non-owning view of a weight tensor held in a mapped file or an owned buffer.
// Matrices are (rows = out, cols = in), row-major, each row dtype_row_bytes(type, cols) bytes.
// Vectors have rows = 1.
#pragma once

#include <cstdint>
#include <string>

#include "core/dtype.hpp"

namespace sinkstream::core {

struct TensorView {
  std::string name;  // e.g. "blk.0.attn_q.weight"; used in error messages
  DType type = DType::kF32;
  const void* data = nullptr;
  int64_t rows = 0;  // output features (1 for a vector)
  int64_t cols = 0;  // input features (elements per row)

  bool empty() const { return data == nullptr; }
  int64_t numel() const { return rows * cols; }
  const float* f32() const { return static_cast<const float*>(data); }  // only when type == kF32
  const uint8_t* row_ptr(int64_t r) const {
    return static_cast<const uint8_t*>(data) + static_cast<size_t>(r) * dtype_row_bytes(type, cols);
  }
};

}  // namespace sinkstream::core
