// Which compute backend runs a Session, as the command-line tools report it.
#pragma once

#include <string>

namespace sinkstream {

// The CPU kernels' SIMD target chosen at start-up ("avx512vnni", "avx2",
// "scalar", ...; "ref" under SINKSTREAM_SIMD=ref).
std::string simd_target();

}  // namespace sinkstream
