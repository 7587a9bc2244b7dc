// Chooses the backend a session runs on. One line per backend in make_backend.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "backend/backend.hpp"
#include "backend/weight_cache.hpp"
#include "sinkstream/backend.hpp"

namespace sinkstream::backend {

struct BackendOptions {
  int32_t threads = 0;  // CPU worker threads (0 = all cores)
  // The Model's cache of prepared weights (weight_cache.hpp), shared by every
  // backend of that Model; null: the backend keeps its own.
  std::shared_ptr<WeightCache> weights;
  Device device = Device::kCpu;
};

// The CPU backend (SIMD target from SINKSTREAM_SIMD or the best the CPU has), or
// the CUDA backend for Device::kCuda (sinkstream::Error when this build has none
// or no device answers).
std::unique_ptr<Backend> make_backend(const BackendOptions& o);

// Whether this build has the CUDA backend, and whether it can run here.
bool cuda_built();
bool cuda_usable(std::string* why);

}  // namespace sinkstream::backend
