// Reference quantizers: f32 rows -> block bytes in any DType that has one
// (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K).
// Used by the converter and `sinkstream quantize`; decoded by row_dequantize_ref.
#pragma once

#include <cstdint>

#include "core/dtype.hpp"

namespace sinkstream::core {

bool dtype_has_quantizer(DType t);

// x: [n] f32 -> out: dtype_row_bytes(t, n) bytes. n must be a multiple of the
// block size (throws kFormat otherwise); throws kUnsupported without a quantizer.
// Non-finite inputs give valid (but meaningless) blocks, never undefined behaviour.
void quantize_row_ref(DType t, const float* x, void* out, int64_t n);

}  // namespace sinkstream::core
