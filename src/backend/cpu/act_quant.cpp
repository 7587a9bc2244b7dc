#include "backend/cpu/act_quant.hpp"

#include <algorithm>
#include <cmath>

namespace sinkstream::cpu {

void quantize_acts(const float* X, int64_t T, int64_t cols, QActs* out) {
  const int64_t nb = cols / kQActBlock;
  out->cols = cols;
  out->q.resize(static_cast<size_t>(T * cols));
  out->d.resize(static_cast<size_t>(T * nb));
  out->s.resize(out->d.size());
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t b = 0; b < nb; ++b) {
      const float* x = X + t * cols + b * kQActBlock;
      int16_t* q = out->q.data() + t * cols + b * kQActBlock;
      float amax = 0.0f;
      for (int64_t i = 0; i < kQActBlock; ++i) amax = std::max(amax, std::fabs(x[i]));
      const float d = amax / 127.0f;
      const float id = d > 0.0f ? 1.0f / d : 0.0f;
      int32_t sum = 0;
      for (int64_t i = 0; i < kQActBlock; ++i) {
        // |x * id| <= 127 up to rounding; NaN/inf inputs give 0 (no float->int UB).
        float v = x[i] * id;
        v = std::isfinite(v) ? std::clamp(v, -127.0f, 127.0f) : 0.0f;
        q[i] = static_cast<int16_t>(std::nearbyint(v));
        sum += q[i];
      }
      out->d[static_cast<size_t>(t * nb + b)] = d;
      out->s[static_cast<size_t>(t * nb + b)] = d * static_cast<float>(sum);
    }
  }
}

}  // namespace sinkstream::cpu
