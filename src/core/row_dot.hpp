// Reference (scalar) dot product of one weight row of any DType with an f32
// vector, and dequantization of a row to f32. These are the oracles that the
// SIMD kernels of src/backend/cpu are tested against.
#pragma once

#include <cstdint>

#include "core/dtype.hpp"

namespace sinkstream::core {

// row: dtype_row_bytes(t, n) bytes; x: [n] f32. Returns sum_i row[i] * x[i].
float row_dot_ref(DType t, const void* row, const float* x, int64_t n);

// row: dtype_row_bytes(t, n) bytes -> out: [n] f32.
void row_dequantize_ref(DType t, const void* row, float* out, int64_t n);

}  // namespace sinkstream::core
