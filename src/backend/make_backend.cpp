#include "backend/make_backend.hpp"

#include "backend/cpu/cpu_backend.hpp"

namespace sinkstream::backend {

std::unique_ptr<Backend> make_backend(const BackendOptions& o) { return std::make_unique<cpu::CpuBackend>(o.threads, o.weights); }

}  // namespace sinkstream::backend
