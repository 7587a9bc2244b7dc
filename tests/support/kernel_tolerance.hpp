// The error bound of a SIMD dot product against row_dot_ref: f32
// reassociation (2e-6 of sum |w x|), plus, for block-quantized weights whose
// kernels quantize the activations to 8 bits per 32 values, half a step of
// that rounding per element (sum |w_i| * max|x_block(i)| / 254), as GGUF
// engines' Q8 activations have.
#pragma once

#include <cstdint>

namespace sinkstream::test {

// wrow: the dequantized weight row [cols]; x: the activations [cols].
float dot_tolerance(const float* wrow, const float* x, int64_t cols, bool quantized_activations);

}  // namespace sinkstream::test
