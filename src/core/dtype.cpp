#include "core/dtype.hpp"

#include <limits>
#include <utility>

#include "sinkstream/error.hpp"

namespace sinkstream::core {

namespace {
constexpr DTypeTraits kF32{"f32", 1, 4};
constexpr DTypeTraits kF16{"f16", 1, 2};
constexpr DTypeTraits kBF16{"bf16", 1, 2};
constexpr DTypeTraits kQ4_0{"q4_0", 32, 2 + 16};
constexpr DTypeTraits kQ4_1{"q4_1", 32, 2 + 2 + 16};
constexpr DTypeTraits kQ5_0{"q5_0", 32, 2 + 4 + 16};
constexpr DTypeTraits kQ5_1{"q5_1", 32, 2 + 2 + 4 + 16};
constexpr DTypeTraits kQ8_0{"q8_0", 32, 2 + 32};
constexpr DTypeTraits kQ4_K{"q4_K", 256, 2 + 2 + 12 + 128};
constexpr DTypeTraits kQ5_K{"q5_K", 256, 2 + 2 + 12 + 32 + 128};
constexpr DTypeTraits kQ6_K{"q6_K", 256, 128 + 64 + 16 + 2};
constexpr DTypeTraits kMXFP4{"mxfp4", 32, 1 + 16};
}  // namespace

bool dtype_from_id(uint32_t id, DType* out) {
  switch (id) {
    case 0: case 1: case 2: case 3: case 6: case 7: case 8: case 12: case 13: case 14: case 30: case 39:
      *out = static_cast<DType>(id);
      return true;
    default:
      return false;
  }
}

const DTypeTraits& dtype_traits(DType t) {
  switch (t) {
    case DType::kF32: return kF32;
    case DType::kF16: return kF16;
    case DType::kBF16: return kBF16;
    case DType::kQ4_0: return kQ4_0;
    case DType::kQ4_1: return kQ4_1;
    case DType::kQ5_0: return kQ5_0;
    case DType::kQ5_1: return kQ5_1;
    case DType::kQ8_0: return kQ8_0;
    case DType::kQ4_K: return kQ4_K;
    case DType::kQ5_K: return kQ5_K;
    case DType::kQ6_K: return kQ6_K;
    case DType::kMXFP4: return kMXFP4;
  }
  throw Error(ErrorKind::kUnsupported, "unknown tensor type id " + std::to_string(static_cast<uint32_t>(t)));
}

size_t dtype_row_bytes(DType t, int64_t n) {
  const DTypeTraits& tr = dtype_traits(t);
  if (n < 0 || n % tr.block_elems != 0) {
    throw Error(ErrorKind::kFormat, std::string("row of ") + std::to_string(n) + " elements is not a multiple of the " +
                                        tr.name + " block size " + std::to_string(tr.block_elems));
  }
  const auto blocks = static_cast<uint64_t>(n / tr.block_elems);
  if (blocks > std::numeric_limits<size_t>::max() / tr.block_bytes) {
    throw Error(ErrorKind::kFormat, std::string("row of ") + std::to_string(n) + " " + tr.name +
                                        " elements is more bytes than size_t holds");
  }
  return static_cast<size_t>(blocks) * tr.block_bytes;
}

bool dtype_from_name(const std::string& name, DType* out) {
  const std::pair<const char*, DType> table[] = {
      {"f32", DType::kF32},   {"f16", DType::kF16},   {"bf16", DType::kBF16}, {"q8_0", DType::kQ8_0},
      {"q4_0", DType::kQ4_0}, {"q4_1", DType::kQ4_1}, {"q5_0", DType::kQ5_0}, {"q5_1", DType::kQ5_1},
      {"q4_k", DType::kQ4_K}, {"q5_k", DType::kQ5_K}, {"q6_k", DType::kQ6_K}, {"mxfp4", DType::kMXFP4}};
  for (const auto& [n, t] : table) {
    if (name == n) {
      *out = t;
      return true;
    }
  }
  return false;
}

}  // namespace sinkstream::core
