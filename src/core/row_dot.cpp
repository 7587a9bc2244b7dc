#include "core/row_dot.hpp"

#include <cstring>

#include "core/f16.hpp"
#include "core/quant/kquants.hpp"
#include "core/quant/legacy.hpp"
#include "core/quant/mxfp4.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::core {

namespace {

using BlockDequantizer = void (*)(const uint8_t*, float*);

BlockDequantizer block_dequantizer(DType t) {
  switch (t) {
    case DType::kQ4_0: return quant::dequant_q4_0;
    case DType::kQ4_1: return quant::dequant_q4_1;
    case DType::kQ5_0: return quant::dequant_q5_0;
    case DType::kQ5_1: return quant::dequant_q5_1;
    case DType::kQ8_0: return quant::dequant_q8_0;
    case DType::kQ4_K: return quant::dequant_q4_k;
    case DType::kQ5_K: return quant::dequant_q5_k;
    case DType::kQ6_K: return quant::dequant_q6_k;
    case DType::kMXFP4: return quant::dequant_mxfp4;
    default: return nullptr;
  }
}

// Plain element types: element i of row -> f32.
float load_plain(DType t, const uint8_t* row, size_t i) {
  switch (t) {
    case DType::kF32: {
      float v;
      std::memcpy(&v, row + 4 * i, 4);
      return v;
    }
    case DType::kF16: return f16_to_f32(static_cast<uint16_t>(row[2 * i] | (row[2 * i + 1] << 8)));
    case DType::kBF16: return bf16_to_f32(static_cast<uint16_t>(row[2 * i] | (row[2 * i + 1] << 8)));
    default: return 0.0f;
  }
}

bool is_plain(DType t) { return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16; }

}  // namespace

void row_dequantize_ref(DType t, const void* row, float* out, int64_t n) {
  dtype_row_bytes(t, n);  // validates n against the block size
  const auto* r = static_cast<const uint8_t*>(row);
  if (is_plain(t)) {
    for (size_t i = 0; i < static_cast<size_t>(n); ++i) out[i] = load_plain(t, r, i);
    return;
  }
  const BlockDequantizer deq = block_dequantizer(t);
  if (deq == nullptr) {
    throw Error(ErrorKind::kUnsupported, std::string("dequantize: tensor type ") + dtype_name(t) + " not supported");
  }
  const DTypeTraits& tr = dtype_traits(t);
  const auto nb = static_cast<size_t>(n / tr.block_elems);
  for (size_t b = 0; b < nb; ++b) deq(r + b * tr.block_bytes, out + b * static_cast<size_t>(tr.block_elems));
}

float row_dot_ref(DType t, const void* row, const float* x, int64_t n) {
  float acc = 0.0f;
  if (t == DType::kF32 && reinterpret_cast<uintptr_t>(row) % alignof(float) == 0) {  // hot path of the f32 forward
    const float* r = static_cast<const float*>(row);
    for (int64_t i = 0; i < n; ++i) acc += r[i] * x[i];
    return acc;
  }
  dtype_row_bytes(t, n);
  const auto* r = static_cast<const uint8_t*>(row);
  if (is_plain(t)) {
    for (size_t i = 0; i < static_cast<size_t>(n); ++i) acc += load_plain(t, r, i) * x[i];
    return acc;
  }
  const BlockDequantizer deq = block_dequantizer(t);
  if (deq == nullptr) {
    throw Error(ErrorKind::kUnsupported, std::string("dot: tensor type ") + dtype_name(t) + " not supported");
  }
  const DTypeTraits& tr = dtype_traits(t);
  const auto be = static_cast<size_t>(tr.block_elems);
  float buf[256];  // one dequantized block (block_elems <= 256)
  for (size_t b = 0; b < static_cast<size_t>(n) / be; ++b) {
    deq(r + b * tr.block_bytes, buf);
    for (size_t i = 0; i < be; ++i) acc += buf[i] * x[b * be + i];
  }
  return acc;
}

}  // namespace sinkstream::core
