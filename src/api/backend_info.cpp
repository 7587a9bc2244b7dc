#include "backend/cpu/kernels.hpp"
#include "sinkstream/backend.hpp"

namespace sinkstream {

std::string simd_target() { return backend::cpu::active_kernels().name; }

}  // namespace sinkstream
