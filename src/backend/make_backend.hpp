// Chooses the backend a session runs on. One line per backend in make_backend.cpp.
#pragma once

#include <cstdint>
#include <memory>

#include "backend/backend.hpp"
#include "backend/weight_cache.hpp"

namespace sinkstream::backend {

struct BackendOptions {
  int32_t threads = 0;  // CPU worker threads (0 = all cores)
  // The Model's cache of prepared weights (weight_cache.hpp), shared by every
  // backend of that Model; null: the backend keeps its own.
  std::shared_ptr<WeightCache> weights;
};

// Today always the CPU backend (SIMD target from SINKSTREAM_SIMD or the best the CPU has).
std::unique_ptr<Backend> make_backend(const BackendOptions& o);

}  // namespace sinkstream::backend
