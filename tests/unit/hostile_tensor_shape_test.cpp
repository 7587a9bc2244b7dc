// Row sizes that overflow size_t: dtype_row_bytes refuses them, so a GGUF tensor
// with dims[0] = 2^62 cannot get byte size 0 and slip past the bounds checks.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "core/dtype.hpp"
#include "io/gguf.hpp"
#include "sinkstream/error.hpp"
#include "unit/byte_builder.hpp"

namespace sinkstream {
namespace {

TEST(HostileTensorShape, RowBytesOverflowThrows) {
  // 2^62 f32 elements are 2^64 bytes: wraps to 0 in size_t.
  EXPECT_THROW(core::dtype_row_bytes(core::DType::kF32, int64_t{1} << 62), Error);
  EXPECT_THROW(core::dtype_row_bytes(core::DType::kF32, INT64_MAX), Error);
  // Block types cannot overflow: 2^63 / 32 blocks of 34 bytes is below 2^64 (exact, by hand).
  EXPECT_EQ(core::dtype_row_bytes(core::DType::kQ8_0, int64_t{1} << 62), (size_t{1} << 57) * 34);
  // Below the overflow the sizes are exact (independent arithmetic: 34 bytes per 32 elements).
  EXPECT_EQ(core::dtype_row_bytes(core::DType::kQ8_0, 64), 68u);
  EXPECT_EQ(core::dtype_row_bytes(core::DType::kF32, int64_t{1} << 40), size_t{1} << 42);
}

TEST(HostileTensorShape, GgufTensorWithWrappingRowIsRefused) {
  test::ByteBuilder b;
  b.raw("GGUF").u32(3).u64(1).u64(0);
  b.str("w").u32(2).u64(uint64_t{1} << 62).u64(1).u32(0).u64(0);  // f32 [2^62, 1] at offset 0
  b.pad_to(32).zeros(32);
  try {
    io::gguf::File::parse(b.b.data(), b.b.size(), "wrap.gguf");
    ADD_FAILURE() << "a tensor of 2^64 bytes was accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("wrap.gguf"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'w'"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace sinkstream
