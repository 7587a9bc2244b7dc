// Random test inputs for the kernel tests: uniform vectors and weight matrices
// of any storage type (quantized with the reference quantizers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/dtype.hpp"
#include "core/tensor.hpp"

namespace sinkstream::test {

// n floats uniform in [-scale, scale), from seed.
std::vector<float> random_vec(size_t n, uint32_t seed, float scale = 1.0f);

// A (rows, cols) matrix of type t with random content: bytes [rows][row_bytes]
// followed by `slack` zero bytes (0: any over-read past the last row shows in ASan).
struct RandomMatrix {
  RandomMatrix(core::DType t, int64_t rows, int64_t cols, uint32_t seed, size_t slack = 0);
  std::vector<uint8_t> bytes;
  core::TensorView view;
};

}  // namespace sinkstream::test
