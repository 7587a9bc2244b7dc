// Flash-decoding attention over mirrored KV rows (kernels.hpp). Kernel 1: one
// block of 8 warps per (key chunk, head, query): finds each key's span and slot,
// scores the keys against the query rotated for that span (a warp per key,
// lanes over head dims), takes the chunk's max and sum of exp, and sums the
// values weighted by exp(score - max). Kernel 2: one block per (head, query)
// merges the chunks in order with the learned / zero sink logit, exactly as
// the CPU's attention_flash merges its key chunks.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>

#include "backend/cuda/kernels.hpp"

namespace sinkstream::backend::cuda {
namespace {

constexpr int kWarps = 8;
constexpr int kMaxHeadDim = 256;

template <bool F16>
__device__ inline float load_kv(const void* base, int64_t i) {
  if constexpr (F16) {
    return __half2float(static_cast<const __half*>(base)[i]);
  } else {
    return static_cast<const float*>(base)[i];
  }
}

template <bool F16>
__global__ void attn_chunks(AttentionLaunch a) {
  const int c = blockIdx.x, h = blockIdx.y, t = blockIdx.z;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int n_chunks = gridDim.x;
  const int32_t n_keys = a.dn_keys[t];
  const int32_t k0 = c * kAttnChunk;
  const int32_t n = max(0, min(kAttnChunk, n_keys - k0));
  const size_t part = (static_cast<size_t>(t) * a.n_head + h) * n_chunks + c;
  float* po = a.dpartial_o + part * a.head_dim;
  if (n == 0) {
    for (int d = tid; d < a.head_dim; d += blockDim.x) po[d] = 0.0f;
    if (tid == 0) {
      a.dpartial_ml[2 * part] = -INFINITY;
      a.dpartial_ml[2 * part + 1] = 0.0f;
    }
    return;
  }
  __shared__ float scores[kAttnChunk];
  __shared__ int32_t slot_of[kAttnChunk];
  __shared__ int32_t span_of[kAttnChunk];
  __shared__ float red[kWarps];
  __shared__ float osum[kWarps][kMaxHeadDim];

  const int32_t s_begin = a.dspan_offset[t], s_end = a.dspan_offset[t + 1];
  for (int i = tid; i < n; i += blockDim.x) {
    const int32_t key = k0 + i;
    int32_t s = s_begin;
    while (s + 1 < s_end && key >= a.dspans[s + 1].key_begin) ++s;
    span_of[i] = s;
    slot_of[i] = a.dspans[s].slot_begin + (key - a.dspans[s].key_begin);
  }
  __syncthreads();

  const int group = a.n_head / a.n_head_kv;
  const int64_t kv_off = static_cast<int64_t>(h / group) * a.head_dim;
  const int64_t q_stride = static_cast<int64_t>(a.n_head) * a.head_dim;
  for (int i = warp; i < n; i += kWarps) {
    const int32_t slot = slot_of[i];
    const float* q = a.dq + span_of[i] * q_stride + static_cast<int64_t>(h) * a.head_dim;
    const int64_t row = static_cast<int64_t>(slot) * a.kv_dim + kv_off;
    float dot = 0.0f;
    for (int d = lane; d < a.head_dim; d += 32) dot += q[d] * load_kv<F16>(a.dk, row + d);
    for (int off = 16; off > 0; off >>= 1) dot += __shfl_xor_sync(0xffffffffu, dot, off);
    if (lane == 0) {
      float sc = dot * a.scale;
      if (a.softcap > 0.0f) sc = a.softcap * tanhf(sc / a.softcap);
      if (a.dalibi != nullptr) sc -= a.dalibi[h] * static_cast<float>(a.dspans[span_of[i]].q_rot_pos - a.dslot_pos[slot]);
      scores[i] = sc;
    }
  }
  __syncthreads();

  // Chunk max, then exp and sum.
  float m = -INFINITY;
  for (int i = tid; i < n; i += blockDim.x) m = fmaxf(m, scores[i]);
  for (int off = 16; off > 0; off >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, off));
  if (lane == 0) red[warp] = m;
  __syncthreads();
  m = red[0];
  for (int w = 1; w < kWarps; ++w) m = fmaxf(m, red[w]);
  __syncthreads();
  float l = 0.0f;
  for (int i = tid; i < n; i += blockDim.x) {
    const float p = expf(scores[i] - m);
    scores[i] = p;
    l += p;
  }
  for (int off = 16; off > 0; off >>= 1) l += __shfl_xor_sync(0xffffffffu, l, off);
  if (lane == 0) red[warp] = l;
  __syncthreads();

  // Weighted values: warp over keys, lanes over head dims.
  float acc[kMaxHeadDim / 32];
#pragma unroll
  for (int j = 0; j < kMaxHeadDim / 32; ++j) acc[j] = 0.0f;
  for (int i = warp; i < n; i += kWarps) {
    const float p = scores[i];
    const int64_t row = static_cast<int64_t>(slot_of[i]) * a.kv_dim + kv_off;
#pragma unroll
    for (int j = 0; j < kMaxHeadDim / 32; ++j) {
      const int d = lane + 32 * j;
      if (d < a.head_dim) acc[j] += p * load_kv<F16>(a.dv, row + d);
    }
  }
#pragma unroll
  for (int j = 0; j < kMaxHeadDim / 32; ++j) {
    const int d = lane + 32 * j;
    if (d < a.head_dim) osum[warp][d] = acc[j];
  }
  __syncthreads();
  for (int d = tid; d < a.head_dim; d += blockDim.x) {
    float s = 0.0f;
    for (int w = 0; w < kWarps; ++w) s += osum[w][d];
    po[d] = s;
  }
  if (tid == 0) {
    float lsum = 0.0f;
    for (int w = 0; w < kWarps; ++w) lsum += red[w];
    a.dpartial_ml[2 * part] = m;
    a.dpartial_ml[2 * part + 1] = lsum;
  }
}

__global__ void attn_merge(AttentionLaunch a, int n_chunks) {
  const int h = blockIdx.x, t = blockIdx.y;
  const size_t base = (static_cast<size_t>(t) * a.n_head + h) * n_chunks;
  float extra = -INFINITY;
  if (a.dsink != nullptr) extra = a.dsink[h];
  else if (a.zero_sink) extra = 0.0f;
  float M = extra;
  for (int c = 0; c < n_chunks; ++c) {
    if (a.dpartial_ml[2 * (base + c) + 1] > 0.0f) M = fmaxf(M, a.dpartial_ml[2 * (base + c)]);
  }
  double L = isinf(extra) ? 0.0 : exp(static_cast<double>(extra - M));
  for (int c = 0; c < n_chunks; ++c) {
    const float lc = a.dpartial_ml[2 * (base + c) + 1];
    if (lc > 0.0f) L += static_cast<double>(lc) * exp(static_cast<double>(a.dpartial_ml[2 * (base + c)] - M));
  }
  const float inv = static_cast<float>(1.0 / L);
  float* out = a.dout + (static_cast<size_t>(t) * a.n_head + h) * a.head_dim;
  for (int d = threadIdx.x; d < a.head_dim; d += blockDim.x) {
    float o = 0.0f;
    for (int c = 0; c < n_chunks; ++c) {
      const float lc = a.dpartial_ml[2 * (base + c) + 1];
      if (lc > 0.0f) o += a.dpartial_o[(base + c) * a.head_dim + d] * expf(a.dpartial_ml[2 * (base + c)] - M);
    }
    out[d] = o * inv;
  }
}

}  // namespace

void attention(const AttentionLaunch& a, void* stream) {
  const cudaStream_t s = static_cast<cudaStream_t>(stream);
  const int n_chunks = attention_chunks(a.max_keys);
  if (n_chunks == 0) return;
  const dim3 grid1(static_cast<unsigned>(n_chunks), static_cast<unsigned>(a.n_head), static_cast<unsigned>(a.T));
  if (a.f16) {
    attn_chunks<true><<<grid1, 32 * kWarps, 0, s>>>(a);
  } else {
    attn_chunks<false><<<grid1, 32 * kWarps, 0, s>>>(a);
  }
  const dim3 grid2(static_cast<unsigned>(a.n_head), static_cast<unsigned>(a.T));
  attn_merge<<<grid2, 128, 0, s>>>(a, n_chunks);
}

}  // namespace sinkstream::backend::cuda
