// Error checks for CUDA runtime and cuBLAS calls: a failing call throws
// sinkstream::Error naming the call, the file and line, and CUDA's message.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <string>

#include "sinkstream/error.hpp"

namespace sinkstream::backend::cuda {

[[noreturn]] inline void fail_cuda(const char* what, const char* file, int line, const std::string& msg) {
  throw Error(ErrorKind::kIo, std::string("CUDA: ") + what + " failed at " + file + ":" + std::to_string(line) + ": " + msg);
}

#define SINKSTREAM_CUDA(call)                                                                                 \
  do {                                                                                                        \
    const cudaError_t sinkstream_err_ = (call);                                                               \
    if (sinkstream_err_ != cudaSuccess) {                                                                     \
      ::sinkstream::backend::cuda::fail_cuda(#call, __FILE__, __LINE__, cudaGetErrorString(sinkstream_err_)); \
    }                                                                                                         \
  } while (0)

#define SINKSTREAM_CUBLAS(call)                                                                                  \
  do {                                                                                                           \
    const cublasStatus_t sinkstream_st_ = (call);                                                                \
    if (sinkstream_st_ != CUBLAS_STATUS_SUCCESS) {                                                               \
      ::sinkstream::backend::cuda::fail_cuda(#call, __FILE__, __LINE__, cublasGetStatusString(sinkstream_st_)); \
    }                                                                                                            \
  } while (0)

}  // namespace sinkstream::backend::cuda
