// Decode matvec: Y[T][rows] = X[T][cols] · Wᵀ for T <= kMatvecMaxT, one warp
// per weight row (kernels.hpp). Each lane walks its share of the row in the
// file's layout (Q8_0 / Q4_0: one 32-weight block per lane and step; F16 /
// BF16: 8 values per 16-byte load; F32: one value per lane and step), keeps T
// partial sums in registers, and the warp reduces them with shuffles. The
// activations (T × cols f32) are read through the caches by every warp.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "backend/cuda/kernels.hpp"

namespace sinkstream::backend::cuda {
namespace {

constexpr int kWarps = 4;  // rows per block

__device__ inline float half_bits(uint16_t h) { return __half2float(__ushort_as_half(h)); }
__device__ inline float bf16_bits(uint16_t h) { return __uint_as_float(static_cast<uint32_t>(h) << 16); }

// The weight row of this warp, or -1 past the last row.
__device__ inline int64_t warp_row(int64_t rows) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kWarps + threadIdx.x / 32;
  return row < rows ? row : -1;
}

// acc[t] += sum over this lane's columns c (lane, lane + 32, ...) of load(c) * X[t][c].
template <int MAXT, typename Load>
__device__ inline void accumulate_strided(Load load, int64_t cols, const float* X, int T, float (&acc)[MAXT]) {
  for (int64_t c = threadIdx.x & 31; c < cols; c += 32) {
    const float wv = load(c);
#pragma unroll
    for (int t = 0; t < MAXT; ++t) {
      if (t < T) acc[t] += wv * X[static_cast<int64_t>(t) * cols + c];
    }
  }
}

template <int MAXT>
__device__ inline void warp_store(float (&acc)[MAXT], int T, int64_t row, int64_t rows, float* Y, const float* bias) {
#pragma unroll
  for (int t = 0; t < MAXT; ++t) {
    float v = acc[t];
    for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
    acc[t] = v;
  }
  if ((threadIdx.x & 31) == 0) {
    const float b = bias != nullptr ? bias[row] : 0.0f;
#pragma unroll
    for (int t = 0; t < MAXT; ++t) {
      if (t < T) Y[static_cast<int64_t>(t) * rows + row] = acc[t] + b;
    }
  }
}

// Q8_0 block: f16 scale, 32 int8. Q4_0 block: f16 scale, 16 bytes (low nibbles =
// values 0..15, high nibbles = 16..31, each minus 8).
template <int MAXT, bool Q4>
__global__ void matvec_q(const uint8_t* W, int64_t rows, int64_t cols, int64_t row_bytes, const float* X, float* Y,
                         int T, const float* bias) {
  const int64_t row = warp_row(rows);
  if (row < 0) return;
  const int lane = threadIdx.x & 31;
  constexpr int kBlockBytes = Q4 ? 18 : 34;
  const int64_t nb = cols / 32;
  const uint8_t* w = W + row * row_bytes;
  float acc[MAXT] = {};
  for (int64_t b = lane; b < nb; b += 32) {
    const uint16_t* blk = reinterpret_cast<const uint16_t*>(w + b * kBlockBytes);
    const float d = half_bits(blk[0]);
    float wv[32];
    if (Q4) {
#pragma unroll
      for (int j = 0; j < 8; ++j) {
        const uint16_t two = blk[1 + j];
        const int b0 = two & 0xFF, b1 = two >> 8;
        wv[2 * j] = static_cast<float>((b0 & 0xF) - 8);
        wv[2 * j + 1] = static_cast<float>((b1 & 0xF) - 8);
        wv[16 + 2 * j] = static_cast<float>((b0 >> 4) - 8);
        wv[16 + 2 * j + 1] = static_cast<float>((b1 >> 4) - 8);
      }
    } else {
#pragma unroll
      for (int j = 0; j < 16; ++j) {
        const uint16_t two = blk[1 + j];
        wv[2 * j] = static_cast<float>(static_cast<int8_t>(two & 0xFF));
        wv[2 * j + 1] = static_cast<float>(static_cast<int8_t>(two >> 8));
      }
    }
#pragma unroll
    for (int t = 0; t < MAXT; ++t) {
      if (t < T) {
        const float4* x = reinterpret_cast<const float4*>(X + static_cast<int64_t>(t) * cols + b * 32);
        float s = 0.0f;
#pragma unroll
        for (int j = 0; j < 8; ++j) {
          const float4 xv = x[j];
          s += wv[4 * j] * xv.x + wv[4 * j + 1] * xv.y + wv[4 * j + 2] * xv.z + wv[4 * j + 3] * xv.w;
        }
        acc[t] += d * s;
      }
    }
  }
  warp_store<MAXT>(acc, T, row, rows, Y, bias);
}

// F16 / BF16 rows: 8 values per lane and step when cols % 8 == 0 (16-byte loads), else one.
template <int MAXT, bool BF>
__global__ void matvec_h(const uint16_t* W, int64_t rows, int64_t cols, const float* X, float* Y, int T,
                         const float* bias) {
  const int64_t row = warp_row(rows);
  if (row < 0) return;
  const uint16_t* w = W + row * cols;
  float acc[MAXT] = {};
  if (cols % 8 == 0) {
    for (int64_t c = static_cast<int64_t>(threadIdx.x & 31) * 8; c < cols; c += 256) {
      const uint4 raw = *reinterpret_cast<const uint4*>(w + c);
      const uint16_t* h = reinterpret_cast<const uint16_t*>(&raw);
      float wv[8];
#pragma unroll
      for (int j = 0; j < 8; ++j) wv[j] = BF ? bf16_bits(h[j]) : half_bits(h[j]);
#pragma unroll
      for (int t = 0; t < MAXT; ++t) {
        if (t < T) {
          const float4* x = reinterpret_cast<const float4*>(X + static_cast<int64_t>(t) * cols + c);
          const float4 a = x[0], b = x[1];
          acc[t] += wv[0] * a.x + wv[1] * a.y + wv[2] * a.z + wv[3] * a.w + wv[4] * b.x + wv[5] * b.y + wv[6] * b.z +
                    wv[7] * b.w;
        }
      }
    }
  } else {
    accumulate_strided<MAXT>([w](int64_t c) { return BF ? bf16_bits(w[c]) : half_bits(w[c]); }, cols, X, T, acc);
  }
  warp_store<MAXT>(acc, T, row, rows, Y, bias);
}

template <int MAXT>
__global__ void matvec_f32(const float* W, int64_t rows, int64_t cols, const float* X, float* Y, int T,
                           const float* bias) {
  const int64_t row = warp_row(rows);
  if (row < 0) return;
  const float* w = W + row * cols;
  float acc[MAXT] = {};
  accumulate_strided<MAXT>([w](int64_t c) { return w[c]; }, cols, X, T, acc);
  warp_store<MAXT>(acc, T, row, rows, Y, bias);
}

template <int MAXT>
void launch(DevType type, const void* dW, int64_t rows, int64_t cols, int64_t row_bytes, const float* dX, float* dY,
            int T, const float* dbias, cudaStream_t s) {
  const dim3 grid(static_cast<unsigned>((rows + kWarps - 1) / kWarps)), block(32 * kWarps);
  switch (type) {
    case DevType::kQ8_0:
      matvec_q<MAXT, false><<<grid, block, 0, s>>>(static_cast<const uint8_t*>(dW), rows, cols, row_bytes, dX, dY, T, dbias);
      break;
    case DevType::kQ4_0:
      matvec_q<MAXT, true><<<grid, block, 0, s>>>(static_cast<const uint8_t*>(dW), rows, cols, row_bytes, dX, dY, T, dbias);
      break;
    case DevType::kF16:
      matvec_h<MAXT, false><<<grid, block, 0, s>>>(static_cast<const uint16_t*>(dW), rows, cols, dX, dY, T, dbias);
      break;
    case DevType::kBF16:
      matvec_h<MAXT, true><<<grid, block, 0, s>>>(static_cast<const uint16_t*>(dW), rows, cols, dX, dY, T, dbias);
      break;
    case DevType::kF32:
      matvec_f32<MAXT><<<grid, block, 0, s>>>(static_cast<const float*>(dW), rows, cols, dX, dY, T, dbias);
      break;
  }
}

}  // namespace

void matvec(DevType type, const void* dW, int64_t rows, int64_t cols, int64_t row_bytes, const float* dX, float* dY,
            int64_t T, const float* dbias, void* stream) {
  const cudaStream_t s = static_cast<cudaStream_t>(stream);
  const int t = static_cast<int>(T);
  if (T == 1) {
    launch<1>(type, dW, rows, cols, row_bytes, dX, dY, t, dbias, s);
  } else if (T <= 2) {
    launch<2>(type, dW, rows, cols, row_bytes, dX, dY, t, dbias, s);
  } else if (T <= 4) {
    launch<4>(type, dW, rows, cols, row_bytes, dX, dY, t, dbias, s);
  } else {
    launch<kMatvecMaxT>(type, dW, rows, cols, row_bytes, dX, dY, t, dbias, s);
  }
}

}  // namespace sinkstream::backend::cuda
