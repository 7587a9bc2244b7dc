// Which compute backend runs a Session (SessionOptions::device), and how the
// command-line tools name and report it.
#pragma once

#include <string>

namespace sinkstream {

// Where a Session's forward pass runs. kCuda: the matmuls and attention on an
// NVIDIA GPU (src/backend/cuda), the other ops on the host.
enum class Device { kCpu, kCuda };

// "cpu" / "cuda".
const char* device_name(Device d);
// Parses "cpu" or "cuda"; false for anything else.
bool device_from_name(const std::string& name, Device* out);
// Whether this build has the CUDA backend (CUDA was found when it was configured).
bool cuda_built();
// Whether --device cuda can run here: built with CUDA and a device answers
// (*why says why not).
bool cuda_usable(std::string* why = nullptr);

// The CPU kernels' SIMD target chosen at start-up ("avx512vnni", "avx2",
// "scalar", ...; "ref" under SINKSTREAM_SIMD=ref).
std::string simd_target();

}  // namespace sinkstream
