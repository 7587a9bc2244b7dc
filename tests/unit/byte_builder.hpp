// Little-endian byte image builder for tests that hand-craft GGUF / safetensors files.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace sinkstream::test {

struct ByteBuilder {
  std::vector<uint8_t> b;  // the image being built

  ByteBuilder& le(uint64_t v, size_t n) {
    for (size_t k = 0; k < n; ++k) b.push_back(static_cast<uint8_t>(v >> (8 * k)));
    return *this;
  }
  ByteBuilder& u8(uint8_t v) { return le(v, 1); }
  ByteBuilder& u16(uint16_t v) { return le(v, 2); }
  ByteBuilder& u32(uint32_t v) { return le(v, 4); }
  ByteBuilder& u64(uint64_t v) { return le(v, 8); }
  ByteBuilder& f32(float v) {
    uint32_t u;
    std::memcpy(&u, &v, 4);
    return u32(u);
  }
  ByteBuilder& raw(const std::string& s) {
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  ByteBuilder& str(const std::string& s) { return u64(s.size()).raw(s); }  // GGUF string
  ByteBuilder& pad_to(size_t align) {
    while (b.size() % align != 0) b.push_back(0);
    return *this;
  }
  ByteBuilder& zeros(size_t n) {
    b.insert(b.end(), n, 0);
    return *this;
  }
  std::string bytes() const { return std::string(b.begin(), b.end()); }
};

}  // namespace sinkstream::test
