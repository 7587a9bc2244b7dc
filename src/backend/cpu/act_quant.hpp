// Activations quantized to 8 bits for the integer dot products of the block
// quant kernels (as GGUF engines quantize activations to Q8_0 / Q8_K).
//
// One row x[cols] (cols a multiple of 32) becomes, per block b of 32 values:
//   d[b] = max|x| / 127,  q[i] = round(x[i] / d[b]) in [-127, 127] (int8),
//   s[b] = d[b] * sum(q of the block).
// The dot of a weight row with x is then sum_b d_w * d[b] * (int dot), with
// s[b] carrying the K-quants' "min" terms. Relative error of x per element:
// at most d[b] / 2 = max|x_block| / 254.
//
// The 512-bit 8-bit kernels (vpdpbusd: unsigned weights u = m*w + 128 times
// signed activations) work on pairs of blocks, one pair per 512-bit vector,
// and read a packed copy of each row: per pair p, 192 bytes (kPackedPair)
//   q[64]          the pair's 64 int8 values (zeros past the last block)
//   d16[16] f32    lanes 8j..8j+7 = d[2p + j]          (0 past the last block)
//   c16[16] i32    lane 8j + 4h = -128 * sum(q of half h of block 2p + j), other lanes 0
// so that sum_lanes(c16 + dpbusd(u, q)) over each 16 values (4 lanes: the
// K-quants' Q6_K scales one such group) is m * (int dot), and a token's data for
// one pair is three adjacent cache lines behind one pointer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

namespace sinkstream::backend::cpu {

inline constexpr int64_t kQActBlock = 32;

// 64-byte aligned storage for vectors the SIMD kernels load whole.
template <class T>
struct Align64 {
  using value_type = T;
  Align64() = default;
  template <class U>
  Align64(const Align64<U>&) {}  // NOLINT(google-explicit-constructor): allocator rebind
  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{64})); }
  void deallocate(T* p, size_t) { ::operator delete(p, std::align_val_t{64}); }
  template <class U>
  bool operator==(const Align64<U>&) const { return true; }
};
template <class T>
using AVec = std::vector<T, Align64<T>>;

inline constexpr int64_t kPackedPair = 192;  // bytes per block pair in QActs::packed

struct QActs {
  int64_t cols = 0;     // multiple of 32
  int64_t nb = 0;       // blocks per row: cols / 32
  int64_t np = 0;       // block pairs per row: ceil(nb / 2)
  int64_t ldq = 0;      // row stride of q: 64 * np (the tail is zero)
  AVec<int8_t> q;       // [T][ldq]
  AVec<float> d;        // [T][nb]
  AVec<float> s;        // [T][nb]
  AVec<uint8_t> packed; // [T][np][kPackedPair]: q, d16, c16 of each pair (above)
  AVec<int32_t> qsum;   // [T][nb]: sum of q over each block (the panel kernel's -m * sum(q) terms)
  // Not quantized: X for the F16 / BF16 panel kernel in token tiles
  // (pack_token_tiles, panels.hpp), kept here to reuse the allocation.
  AVec<float> tiles;    // [T * cols]

  // Sizes every array for T rows of cols (a multiple of 32); contents unspecified.
  void resize(int64_t T, int64_t cols_);

  const int8_t* row_q(int64_t t) const { return q.data() + t * ldq; }
  const float* row_d(int64_t t) const { return d.data() + t * nb; }
  const float* row_s(int64_t t) const { return s.data() + t * nb; }
  const int32_t* row_qsum(int64_t t) const { return qsum.data() + t * nb; }
  const uint8_t* row_packed(int64_t t) const { return packed.data() + t * np * kPackedPair; }
};

// One block of 32: q[32], *d and *s as above (the scalar reference).
void quantize_block_ref(const float* x, int8_t* q, float* d, float* s);

// Quantizes rows [t0, t1) of X[T][out->cols] into *out (already resized):
// the scalar reference. The SIMD versions (Kernels::quantize_acts) give the same bits.
void quantize_acts_rows_ref(const float* X, int64_t t0, int64_t t1, QActs* out);

// Fills the zero tail of q, the packed copy and qsum of row t from its d and q
// (shared by every implementation).
void expand_act_row(int64_t t, QActs* out);

// X[T][cols] -> out (resized). cols must be a multiple of 32.
void quantize_acts(const float* X, int64_t T, int64_t cols, QActs* out);

}  // namespace sinkstream::backend::cpu
