#include "backend/make_backend.hpp"

#include "backend/cpu/cpu_backend.hpp"
#include "sinkstream/error.hpp"
#ifdef SINKSTREAM_HAVE_CUDA
#include "backend/cuda/cuda_backend.hpp"
#endif

namespace sinkstream::backend {

std::unique_ptr<Backend> make_backend(const BackendOptions& o) {
  if (o.device == Device::kCuda) {
#ifdef SINKSTREAM_HAVE_CUDA
    return std::make_unique<cuda::CudaBackend>(o.threads, o.weights);
#else
    throw Error(ErrorKind::kUnsupported,
                "--device cuda: this build has no CUDA backend (no CUDA compiler was found when it was configured)");
#endif
  }
  return std::make_unique<cpu::CpuBackend>(o.threads, o.weights);
}

bool cuda_built() {
#ifdef SINKSTREAM_HAVE_CUDA
  return true;
#else
  return false;
#endif
}

bool cuda_usable(std::string* why) {
#ifdef SINKSTREAM_HAVE_CUDA
  return cuda::device_available(why);
#else
  if (why != nullptr) *why = "this build has no CUDA backend";
  return false;
#endif
}

}  // namespace sinkstream::backend
