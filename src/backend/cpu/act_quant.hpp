// Activations quantized to 8 bits for the integer dot products of the block
// quant kernels (as GGUF engines quantize activations to Q8_0 / Q8_K).
//
// One row x[cols] (cols a multiple of 32) becomes, per block b of 32 values:
//   d[b] = max|x| / 127,  q[i] = round(x[i] / d[b]) in [-127, 127] (stored as int16,
//   pre-widened for the 16-bit multiply-adds), s[b] = d[b] * sum(q of the block).
// The dot of a weight row with x is then sum_b d_w * d[b] * (int dot), with
// s[b] carrying the K-quants' "min" terms. Relative error of x per element:
// at most d[b] / 2 = max|x_block| / 254.
#pragma once

#include <cstdint>
#include <vector>

namespace sinkstream::cpu {

inline constexpr int64_t kQActBlock = 32;

struct QActs {
  int64_t cols = 0;
  std::vector<int16_t> q;  // [T][cols]
  std::vector<float> d;    // [T][cols / 32]
  std::vector<float> s;    // [T][cols / 32]

  const int16_t* row_q(int64_t t) const { return q.data() + t * cols; }
  const float* row_d(int64_t t) const { return d.data() + t * (cols / kQActBlock); }
  const float* row_s(int64_t t) const { return s.data() + t * (cols / kQActBlock); }
};

// X[T][cols] -> out (resized). cols must be a multiple of 32.
void quantize_acts(const float* X, int64_t T, int64_t cols, QActs* out);

}  // namespace sinkstream::cpu
