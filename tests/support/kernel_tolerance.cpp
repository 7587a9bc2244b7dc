#include "support/kernel_tolerance.hpp"

#include <algorithm>
#include <cmath>

namespace sinkstream::test {

float dot_tolerance(const float* wrow, const float* x, int64_t cols, bool quantized_activations) {
  double b = 0.0, mag = 0.0;
  for (int64_t i = 0; i < cols; ++i) {
    float amax = 0.0f;
    if (quantized_activations) {
      const int64_t b0 = i / 32 * 32;
      for (int64_t j = b0; j < std::min(b0 + 32, cols); ++j) amax = std::max(amax, std::fabs(x[j]));
    }
    b += std::fabs(wrow[i]) * amax / 254.0;
    mag += std::fabs(wrow[i] * x[i]);
  }
  return static_cast<float>(1.01 * b + 2e-6 * mag + 1e-6);
}

}  // namespace sinkstream::test
