// Checked access to the tensors of a Hugging Face safetensors archive, as the
// TensorViews that ModelWeights holds. Plain matrices are zero-copy views of the
// mapping (f32, f16 or bf16); vectors (norms, biases) and everything reshaped
// (fused q/k/v split per head, transposed Conv1D) become owned f32 buffers.
// Every error names the archive's file and the tensor.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "io/safetensors.hpp"

namespace sinkstream::io {

class HfTensors {
 public:
  explicit HfTensors(std::shared_ptr<const safetensors::Archive> archive);

  bool has(const std::string& name) const;

  // The matrix `name` of shape [rows, cols] (HF nn.Linear: (out, in)), as a view.
  core::TensorView matrix(const std::string& name, int64_t rows, int64_t cols);
  // The vector `name` of shape [n] as owned-or-mapped f32.
  core::TensorView vector(const std::string& name, int64_t n);
  // Same, or an empty view when the tensor is absent.
  core::TensorView optional_vector(const std::string& name, int64_t n);

  // The tensor `name` of shape [rows, cols] converted to f32: [rows][cols].
  std::vector<float> f32(const std::string& name, int64_t rows, int64_t cols);

  // Any tensor `name` whose shape is exactly `shape` (e.g. a 3-D stack of experts), converted to
  // f32 in its row-major order.
  std::vector<float> f32_shaped(const std::string& name, const std::vector<int64_t>& shape);

  // Wraps an f32 buffer [rows][cols] (kept alive by owners()) as a view named `name`.
  core::TensorView own(const std::string& name, std::vector<float> data, int64_t rows, int64_t cols);
  // Same for a buffer of `type` rows (dtype_row_bytes(type, cols) each), e.g. repacked MXFP4.
  core::TensorView own_bytes(const std::string& name, std::vector<uint8_t> data, core::DType type, int64_t rows,
                             int64_t cols);

  // A U8 tensor (safetensors::Archive::find_u8) whose shape is exactly `shape`: its bytes.
  bool has_u8(const std::string& name) const;
  std::span<const uint8_t> u8_shaped(const std::string& name, const std::vector<int64_t>& shape) const;

  // Rows [row0, row0 + n) of a view, sharing its storage (any dtype).
  static core::TensorView rows(const core::TensorView& m, int64_t row0, int64_t n, const std::string& name);

  // What ModelWeights::owners must hold: the archive and the owned buffers.
  std::vector<std::shared_ptr<const void>> take_owners();

  const std::string& file() const { return file_; }

 private:
  const safetensors::Tensor& get(const std::string& name, int64_t rows, int64_t cols) const;
  template <typename T>
  core::TensorView keep(const std::string& name, std::vector<T> data, core::DType type, int64_t rows, int64_t cols);

  std::shared_ptr<const safetensors::Archive> archive_;
  std::vector<std::shared_ptr<const void>> owned_;
  std::string file_;  // for messages: the archive's first file
};

}  // namespace sinkstream::io
