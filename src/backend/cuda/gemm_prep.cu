// What the prefill GEMM (cuBLAS, cuda_backend.cpp) needs around it: weights
// dequantized to f16 rows, activations rounded to f16, the bias added after.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "backend/cuda/kernels.hpp"

namespace sinkstream::backend::cuda {
namespace {

__device__ inline float half_bits(uint16_t h) { return __half2float(__ushort_as_half(h)); }

// One thread per output value: element c of row r.
__global__ void dequant_kernel(DevType type, const uint8_t* W, int64_t rows, int64_t cols, int64_t row_bytes,
                               __half* out) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= rows * cols) return;
  const int64_t r = i / cols, c = i % cols;
  const uint8_t* w = W + r * row_bytes;
  float v = 0.0f;
  switch (type) {
    case DevType::kF32: v = reinterpret_cast<const float*>(w)[c]; break;
    case DevType::kF16: out[i] = reinterpret_cast<const __half*>(w)[c]; return;
    case DevType::kBF16: v = __uint_as_float(static_cast<uint32_t>(reinterpret_cast<const uint16_t*>(w)[c]) << 16); break;
    case DevType::kQ8_0: {
      const uint8_t* blk = w + (c / 32) * 34;
      const float d = half_bits(static_cast<uint16_t>(blk[0] | (blk[1] << 8)));
      v = d * static_cast<float>(static_cast<int8_t>(blk[2 + c % 32]));
      break;
    }
    case DevType::kQ4_0: {
      const uint8_t* blk = w + (c / 32) * 18;
      const float d = half_bits(static_cast<uint16_t>(blk[0] | (blk[1] << 8)));
      const int j = static_cast<int>(c % 32);
      const int q = j < 16 ? (blk[2 + j] & 0xF) : (blk[2 + j - 16] >> 4);
      v = d * static_cast<float>(q - 8);
      break;
    }
  }
  out[i] = __float2half_rn(v);
}

__global__ void to_f16_kernel(const float* x, __half* out, int64_t n) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) out[i] = __float2half_rn(x[i]);
}

__global__ void add_bias_kernel(float* Y, const float* bias, int64_t T, int64_t rows) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < T * rows) Y[i] += bias[i % rows];
}

unsigned blocks_for(int64_t n, int per) { return static_cast<unsigned>((n + per - 1) / per); }

}  // namespace

void dequantize_f16(DevType type, const void* dW, int64_t rows, int64_t cols, int64_t row_bytes, void* dout,
                    void* stream) {
  dequant_kernel<<<blocks_for(rows * cols, 256), 256, 0, static_cast<cudaStream_t>(stream)>>>(
      type, static_cast<const uint8_t*>(dW), rows, cols, row_bytes, static_cast<__half*>(dout));
}

void f32_to_f16(const float* dx, void* dout, int64_t n, void* stream) {
  to_f16_kernel<<<blocks_for(n, 256), 256, 0, static_cast<cudaStream_t>(stream)>>>(dx, static_cast<__half*>(dout), n);
}

void add_bias(float* dY, const float* dbias, int64_t T, int64_t rows, void* stream) {
  add_bias_kernel<<<blocks_for(T * rows, 256), 256, 0, static_cast<cudaStream_t>(stream)>>>(dY, dbias, T, rows);
}

}  // namespace sinkstream::backend::cuda
