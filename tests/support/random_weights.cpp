#include "support/random_weights.hpp"

#include <algorithm>
#include <random>

#include "core/f16.hpp"
#include "core/quantize.hpp"

namespace sinkstream::test {

std::vector<float> random_vec(size_t n, uint32_t seed, float scale) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

RandomMatrix::RandomMatrix(core::DType t, int64_t rows, int64_t cols, uint32_t seed, size_t slack) {
  const std::vector<float> f = random_vec(static_cast<size_t>(rows * cols), seed);
  const size_t rb = core::dtype_row_bytes(t, cols);
  bytes.resize(rb * static_cast<size_t>(rows) + slack);
  for (int64_t r = 0; r < rows; ++r) {
    const float* src = f.data() + r * cols;
    uint8_t* dst = bytes.data() + static_cast<size_t>(r) * rb;
    if (t == core::DType::kF32) {
      std::copy(src, src + cols, reinterpret_cast<float*>(dst));
    } else if (t == core::DType::kF16 || t == core::DType::kBF16) {
      for (int64_t i = 0; i < cols; ++i) {
        const uint16_t h = t == core::DType::kF16 ? core::f32_to_f16(src[i]) : core::f32_to_bf16(src[i]);
        dst[2 * i] = static_cast<uint8_t>(h & 0xFF);
        dst[2 * i + 1] = static_cast<uint8_t>(h >> 8);
      }
    } else {
      core::quantize_row_ref(t, src, dst, cols);
    }
  }
  view.type = t;
  view.data = bytes.data();
  view.rows = rows;
  view.cols = cols;
  view.name = "random";
}

}  // namespace sinkstream::test
