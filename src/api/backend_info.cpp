#include "backend/cpu/kernels.hpp"
#include "backend/make_backend.hpp"
#include "sinkstream/backend.hpp"

namespace sinkstream {

std::string simd_target() { return backend::cpu::active_kernels().name; }

const char* device_name(Device d) { return d == Device::kCuda ? "cuda" : "cpu"; }

bool device_from_name(const std::string& name, Device* out) {
  if (name == "cpu") {
    *out = Device::kCpu;
  } else if (name == "cuda") {
    *out = Device::kCuda;
  } else {
    return false;
  }
  return true;
}

bool cuda_built() { return backend::cuda_built(); }

bool cuda_usable(std::string* why) { return backend::cuda_usable(why); }

}  // namespace sinkstream
