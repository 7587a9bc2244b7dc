// libFuzzer target: safetensors parsing from a byte buffer; touches the first and
// last byte of every tensor so ASan checks the validated ranges.
#include <cstddef>
#include <cstdint>

#include "io/safetensors.hpp"
#include "sinkstream/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sinkstream;
  try {
    const auto st = io::safetensors::Archive::parse(data, size, "fuzz.safetensors");
    volatile uint8_t sink = 0;
    for (const io::safetensors::Tensor& t : st->tensors()) {
      if (st->find(t.name) != &t) __builtin_trap();
      if (t.bytes == 0) continue;
      const auto* p = static_cast<const uint8_t*>(t.data);
      sink = static_cast<uint8_t>(sink ^ p[0] ^ p[t.bytes - 1]);
    }
    for (const auto& [k, v] : st->metadata()) sink = static_cast<uint8_t>(sink ^ k.size() ^ v.size());
  } catch (const Error&) {
  }
  return 0;
}
