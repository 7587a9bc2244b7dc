#include "core/quantize.hpp"

#include "core/f16.hpp"
#include "core/quant/kquants.hpp"
#include "core/quant/legacy.hpp"
#include "core/quant/mxfp4.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::core {

namespace {
using BlockQuantizer = void (*)(const float*, uint8_t*);

BlockQuantizer block_quantizer(DType t) {
  switch (t) {
    case DType::kQ4_0: return quant::quantize_q4_0;
    case DType::kQ4_1: return quant::quantize_q4_1;
    case DType::kQ5_0: return quant::quantize_q5_0;
    case DType::kQ5_1: return quant::quantize_q5_1;
    case DType::kQ8_0: return quant::quantize_q8_0;
    case DType::kQ4_K: return quant::quantize_q4_k;
    case DType::kQ5_K: return quant::quantize_q5_k;
    case DType::kQ6_K: return quant::quantize_q6_k;
    case DType::kMXFP4: return quant::quantize_mxfp4;
    default: return nullptr;
  }
}
}  // namespace

bool dtype_has_quantizer(DType t) {
  return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16 || block_quantizer(t) != nullptr;
}

void quantize_row_ref(DType t, const float* x, void* out, int64_t n) {
  const size_t bytes = dtype_row_bytes(t, n);  // validates n
  auto* o = static_cast<uint8_t*>(out);
  const auto count = static_cast<size_t>(n);
  switch (t) {
    case DType::kF32:
      for (size_t i = 0; i < bytes; ++i) o[i] = reinterpret_cast<const uint8_t*>(x)[i];
      return;
    case DType::kF16:
    case DType::kBF16:
      for (size_t i = 0; i < count; ++i) {
        const uint16_t h = t == DType::kF16 ? f32_to_f16(x[i]) : f32_to_bf16(x[i]);
        o[2 * i] = static_cast<uint8_t>(h & 0xFF);
        o[2 * i + 1] = static_cast<uint8_t>(h >> 8);
      }
      return;
    default:
      break;
  }
  const BlockQuantizer q = block_quantizer(t);
  if (q == nullptr) throw Error(ErrorKind::kUnsupported, std::string("quantize: no quantizer for ") + dtype_name(t));
  const DTypeTraits& tr = dtype_traits(t);
  const auto nb = static_cast<size_t>(n / tr.block_elems);
  for (size_t b = 0; b < nb; ++b) q(x + b * static_cast<size_t>(tr.block_elems), o + b * tr.block_bytes);
}

}  // namespace sinkstream::core
