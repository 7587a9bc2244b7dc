#include "core/row_dot.hpp"

#include <vector>

#include "sinkstream/error.hpp"

namespace sinkstream {

void row_dequantize_ref(DType t, const void* row, float* out, int64_t n) {
  switch (t) {
    case DType::kF32: {
      const float* r = static_cast<const float*>(row);
      for (int64_t i = 0; i < n; ++i) out[i] = r[i];
      return;
    }
    default:
      throw Error(ErrorKind::kUnsupported, std::string("dequantize: tensor type ") + dtype_name(t) + " not supported yet");
  }
}

float row_dot_ref(DType t, const void* row, const float* x, int64_t n) {
  if (t == DType::kF32) {
    const float* r = static_cast<const float*>(row);
    float acc = 0.0f;
    for (int64_t i = 0; i < n; ++i) acc += r[i] * x[i];
    return acc;
  }
  std::vector<float> tmp(static_cast<size_t>(n));
  row_dequantize_ref(t, row, tmp.data(), n);
  float acc = 0.0f;
  for (int64_t i = 0; i < n; ++i) acc += tmp[static_cast<size_t>(i)] * x[i];
  return acc;
}

}  // namespace sinkstream
