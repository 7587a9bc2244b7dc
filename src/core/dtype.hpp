// Element and block types of weight tensors. Numeric values follow ggml's
// type ids so GGUF tensor infos map directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sinkstream::core {

enum class DType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kBF16 = 30,
  kMXFP4 = 39,  // OCP MX FP4: 32 E2M1 values + one E8M0 scale (core/quant/mxfp4.hpp)
};

struct DTypeTraits {
  const char* name;
  int64_t block_elems;  // elements per block (1 for plain types)
  size_t block_bytes;   // bytes per block
};

// The type of a writable type's lower-case name ("f32", "q4_k", ...; the list
// is sinkstream/convert.hpp's kWritableTypes); false for any other name.
bool dtype_from_name(const std::string& name, DType* out);

// Returns false for ids that are not one of the DType values above.
bool dtype_from_id(uint32_t id, DType* out);
const DTypeTraits& dtype_traits(DType t);
inline const char* dtype_name(DType t) { return dtype_traits(t).name; }

// Bytes taken by one row of n elements; n must be a multiple of the block size
// (throws sinkstream::Error otherwise).
size_t dtype_row_bytes(DType t, int64_t n);

}  // namespace sinkstream::core
