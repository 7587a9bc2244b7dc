#include "backend/cpu/act_quant.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace sinkstream::backend::cpu {

void QActs::resize(int64_t T, int64_t cols_) {
  cols = cols_;
  nb = cols / kQActBlock;
  np = (nb + 1) / 2;
  ldq = 64 * np;
  q.resize(static_cast<size_t>(T * ldq));
  d.resize(static_cast<size_t>(T * nb));
  s.resize(d.size());
  packed.resize(static_cast<size_t>(T * np * kPackedPair));
  qsum.resize(d.size());
}

void expand_act_row(int64_t t, QActs* out) {
  const int64_t nb = out->nb, np = out->np;
  int8_t* q = out->q.data() + t * out->ldq;
  std::memset(q + out->cols, 0, static_cast<size_t>(out->ldq - out->cols));  // the zero tail of an odd pair
  const float* d = out->d.data() + t * nb;
  int32_t* qsum = out->qsum.data() + t * nb;
  uint8_t* pk = out->packed.data() + t * np * kPackedPair;
  for (int64_t p = 0; p < np; ++p, pk += kPackedPair) {
    std::memcpy(pk, q + 64 * p, 64);
    float d16[16];
    int32_t c16[16] = {};
    for (int64_t j = 0; j < 2; ++j) {
      const int64_t b = 2 * p + j;
      for (int64_t h = 0; h < 2; ++h) {  // the two halves of 16 (lanes 8j and 8j + 4)
        int32_t sum = 0;
        if (b < nb) {
          for (int64_t i = 0; i < 16; ++i) sum += q[b * kQActBlock + 16 * h + i];
        }
        c16[8 * j + 4 * h] = -128 * sum;
        if (b < nb) qsum[b] = h == 0 ? sum : qsum[b] + sum;
      }
      for (int64_t i = 0; i < 8; ++i) d16[8 * j + i] = b < nb ? d[b] : 0.0f;
    }
    std::memcpy(pk + 64, d16, 64);
    std::memcpy(pk + 128, c16, 64);
  }
}

void quantize_block_ref(const float* x, int8_t* q, float* d_out, float* s_out) {
  float amax = 0.0f;
  for (int64_t i = 0; i < kQActBlock; ++i) amax = std::max(amax, std::fabs(x[i]));
  const float d = amax / 127.0f;
  const float id = d > 0.0f ? 1.0f / d : 0.0f;
  int32_t sum = 0;
  for (int64_t i = 0; i < kQActBlock; ++i) {
    // |x * id| <= 127 up to rounding; NaN/inf inputs give 0 (no float->int UB).
    float v = x[i] * id;
    v = std::isfinite(v) ? std::clamp(v, -127.0f, 127.0f) : 0.0f;
    q[i] = static_cast<int8_t>(std::nearbyint(v));
    sum += q[i];
  }
  *d_out = d;
  *s_out = d * static_cast<float>(sum);
}

void quantize_acts_rows_ref(const float* X, int64_t t0, int64_t t1, QActs* out) {
  const int64_t nb = out->nb, cols = out->cols;
  for (int64_t t = t0; t < t1; ++t) {
    for (int64_t b = 0; b < nb; ++b) {
      quantize_block_ref(X + t * cols + b * kQActBlock, out->q.data() + t * out->ldq + b * kQActBlock,
                         &out->d[static_cast<size_t>(t * nb + b)], &out->s[static_cast<size_t>(t * nb + b)]);
    }
    expand_act_row(t, out);
  }
}

void quantize_acts(const float* X, int64_t T, int64_t cols, QActs* out) {
  out->resize(T, cols);
  quantize_acts_rows_ref(X, 0, T, out);
}

}  // namespace sinkstream::backend::cpu
