// Hostile and malformed GGUF images: every one must throw sinkstream::Error
// (kFormat) with a message naming the file and the field, never crash or
// allocate without bound.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "io/gguf.hpp"
#include "io/gguf_writer.hpp"
#include "support/paths.hpp"
#include "unit/byte_builder.hpp"

namespace sinkstream {
namespace {

using test::ByteBuilder;

std::string parse_error(const std::vector<uint8_t>& b) {
  try {
    io::gguf::File::parse(b.data(), b.size(), "bad.gguf");
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kFormat) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad.gguf"), std::string::npos) << e.what();
    if (std::getenv("SINKSTREAM_PRINT_ERRORS")) std::printf("%s\n", e.what());
    return e.what();
  }
  ADD_FAILURE() << "parse succeeded";
  return "";
}

#define EXPECT_GGUF_ERROR(bytes, fragment)                                              \
  do {                                                                                  \
    const std::string msg_ = parse_error(bytes);                                        \
    EXPECT_NE(msg_.find(fragment), std::string::npos) << "message: " << msg_;          \
  } while (0)

// Header of a v3 file with the given counts.
ByteBuilder header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
  ByteBuilder b;
  b.raw("GGUF").u32(version).u64(n_tensors).u64(n_kv);
  return b;
}

// One tensor info: name, dims, type id, offset.
void tensor_info(ByteBuilder& b, const std::string& name, const std::vector<uint64_t>& dims, uint32_t type,
                 uint64_t offset) {
  b.str(name).u32(static_cast<uint32_t>(dims.size()));
  for (uint64_t d : dims) b.u64(d);
  b.u32(type).u64(offset);
}

TEST(GgufHostile, TruncatedAtEveryByteThrows) {
  io::gguf::Writer w;
  w.set_string("general.name", "tiny");
  w.set_i32_array("ids", {1, 2, 3});
  w.set("nested", io::gguf::Value::array(io::gguf::ValueType::kArray, {io::gguf::Value::string_array({"a", "bc"})}));
  w.add_tensor("a", core::DType::kF32, {4}, std::vector<uint8_t>(16, 1));
  w.add_tensor("b", core::DType::kQ8_0, {32, 2}, std::vector<uint8_t>(68, 2));
  const std::vector<uint8_t> full = w.to_bytes();
  ASSERT_NO_THROW(io::gguf::File::parse(full.data(), full.size()));
  for (size_t n = 0; n < full.size(); ++n) {
    const std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_THROW(io::gguf::File::parse(cut.data(), cut.size()), Error) << "prefix of " << n << " bytes";
  }
}

TEST(GgufHostile, BadMagicAndVersions) {
  ByteBuilder b;
  b.raw("GGML").u32(3).u64(0).u64(0);
  EXPECT_GGUF_ERROR(b.b, "magic");
  EXPECT_GGUF_ERROR(header(0, 0, 1).b, "version 1");
  EXPECT_GGUF_ERROR(header(0, 0, 4).b, "version 4");
  EXPECT_GGUF_ERROR(header(0, 0, 0x03000000).b, "big-endian");
  // v2 is accepted (same layout as v3 for little-endian files).
  auto v2 = header(0, 1, 2);
  v2.str("k").u32(4).u32(5);
  auto f = io::gguf::File::parse(v2.b.data(), v2.b.size());
  EXPECT_EQ(f->version(), 2u);
  EXPECT_EQ(f->get_int("k"), 5);
}

TEST(GgufHostile, HugeCountsAreRejectedBeforeAllocating) {
  EXPECT_GGUF_ERROR(header(0, ~uint64_t{0}).b, "n_kv");
  EXPECT_GGUF_ERROR(header(~uint64_t{0}, 0).b, "n_tensors");
  EXPECT_GGUF_ERROR(header(uint64_t{1} << 40, 0).b, "n_tensors");
  auto key_len = header(0, 1);
  key_len.u64(~uint64_t{0}).raw("abcdefgh");
  EXPECT_GGUF_ERROR(key_len.b, "string length");
  auto str_len = header(0, 1);
  str_len.str("k").u32(8).u64(uint64_t{1} << 62).raw("x");
  EXPECT_GGUF_ERROR(str_len.b, "'k'");
  auto arr_len = header(0, 1);
  arr_len.str("k").u32(9).u32(10).u64(uint64_t{1} << 61).u64(1);  // 2^61 u64s: 2^64 bytes
  EXPECT_GGUF_ERROR(arr_len.b, "cannot fit");
  auto str_arr = header(0, 1);
  str_arr.str("k").u32(9).u32(8).u64(~uint64_t{0}).u64(0);
  EXPECT_GGUF_ERROR(str_arr.b, "cannot fit");
  auto name_len = header(1, 0);
  name_len.u64(1000).zeros(1100);
  EXPECT_GGUF_ERROR(name_len.b, "limit 256");
}

TEST(GgufHostile, BadValueTypesAndKeys) {
  auto bad_type = header(0, 1);
  bad_type.str("k").u32(13).u32(0);
  EXPECT_GGUF_ERROR(bad_type.b, "unknown value type");
  auto bad_elem = header(0, 1);
  bad_elem.str("k").u32(9).u32(77).u64(0);
  EXPECT_GGUF_ERROR(bad_elem.b, "unknown value type");
  auto dup = header(0, 2);
  dup.str("k").u32(0).u8(1).str("k").u32(0).u8(2);
  EXPECT_GGUF_ERROR(dup.b, "duplicate key");
  // 1000 nested arrays: rejected by the depth limit, not by running out of stack.
  auto deep = header(0, 1);
  deep.str("k").u32(9);
  for (int k = 0; k < 1000; ++k) deep.u32(9).u64(1);
  deep.u32(0).u64(0);
  EXPECT_GGUF_ERROR(deep.b, "nested");
}

TEST(GgufHostile, BadAlignment) {
  for (uint32_t a : {0u, 1u, 3u, 4u, 48u}) {  // 1 and 4: powers of two below the spec minimum of 8
    auto b = header(0, 1);
    b.str("general.alignment").u32(4).u32(a);
    EXPECT_GGUF_ERROR(b.b, "general.alignment");
  }
  auto s = header(0, 1);
  s.str("general.alignment").u32(8).str("32");
  EXPECT_GGUF_ERROR(s.b, "general.alignment");
  // Tensor offset not a multiple of the alignment.
  auto b = header(1, 0);
  tensor_info(b, "w", {4}, 0, 8);
  b.pad_to(32).zeros(64);
  EXPECT_GGUF_ERROR(b.b, "not a multiple of the alignment");
  // Alignment 8 makes the same offset legal.
  auto ok = header(1, 1);
  ok.str("general.alignment").u32(4).u32(8);
  tensor_info(ok, "w", {4}, 0, 8);
  ok.pad_to(8).zeros(24);
  auto f = io::gguf::File::parse(ok.b.data(), ok.b.size());
  EXPECT_EQ(f->alignment(), 8u);
  EXPECT_EQ(f->find_tensor("w")->offset, 8u);
}

TEST(GgufHostile, BadTensorInfos) {
  auto one = [](const std::vector<uint64_t>& dims, uint32_t type, uint64_t offset, size_t data_bytes) {
    auto b = header(1, 0);
    tensor_info(b, "blk.0.w", dims, type, offset);
    b.pad_to(32).zeros(data_bytes);
    return b.b;
  };
  EXPECT_GGUF_ERROR(one({4}, 99, 0, 64), "unknown or unsupported tensor type id 99");
  EXPECT_GGUF_ERROR(one({4}, 4, 0, 64), "tensor type id 4");  // Q4_2: removed from ggml
  EXPECT_GGUF_ERROR(one({0}, 0, 0, 64), "dim 0 = 0");
  EXPECT_GGUF_ERROR(one({4, 0}, 0, 0, 64), "dim 1 = 0");
  EXPECT_GGUF_ERROR(one({~uint64_t{0}}, 0, 0, 64), "dim 0");
  EXPECT_GGUF_ERROR(one({uint64_t{1} << 40, uint64_t{1} << 40}, 0, 0, 64), "overflow");
  EXPECT_GGUF_ERROR(one({33}, 2, 0, 64), "block size 32");
  EXPECT_GGUF_ERROR(one({4}, 0, 0, 15), "runs past the end");          // 16 bytes needed
  EXPECT_GGUF_ERROR(one({4}, 0, ~uint64_t{0} - 31, 64), "'blk.0.w'");  // aligned, far past the end
  EXPECT_GGUF_ERROR(one({uint64_t{1} << 61}, 0, 0, 64), "'blk.0.w'");  // byte size overflow / past end
  auto dims0 = header(1, 0);
  dims0.str("w").u32(0).u32(0).u64(0).zeros(32);
  EXPECT_GGUF_ERROR(dims0.b, "n_dims = 0");
  auto dims5 = header(1, 0);
  tensor_info(dims5, "w", {1, 1, 1, 1, 1}, 0, 0);
  EXPECT_GGUF_ERROR(dims5.b, "n_dims = 5");
  auto empty_name = header(1, 0);
  tensor_info(empty_name, "", {1}, 0, 0);
  empty_name.pad_to(32).zeros(4);
  EXPECT_GGUF_ERROR(empty_name.b, "empty tensor name");
}

TEST(GgufHostile, OverlappingAndDuplicateTensors) {
  auto b = header(2, 0);
  tensor_info(b, "a", {16}, 0, 0);   // bytes [0, 64)
  tensor_info(b, "b", {8}, 0, 32);   // bytes [32, 64): inside a
  b.pad_to(32).zeros(64);
  EXPECT_GGUF_ERROR(b.b, "overlaps");
  auto d = header(2, 0);
  tensor_info(d, "a", {8}, 0, 0);
  tensor_info(d, "a", {8}, 0, 32);
  d.pad_to(32).zeros(64);
  EXPECT_GGUF_ERROR(d.b, "duplicate name");
  // Adjacent (touching) tensors are fine.
  auto ok = header(2, 0);
  tensor_info(ok, "a", {8}, 0, 0);
  tensor_info(ok, "b", {8}, 0, 32);
  ok.pad_to(32).zeros(64);
  EXPECT_NO_THROW(io::gguf::File::parse(ok.b.data(), ok.b.size()));
}

TEST(GgufHostile, MissingFileIsAnIoError) {
  try {
    io::gguf::File::open("/nonexistent/x.gguf");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/x.gguf"), std::string::npos);
  }
}

}  // namespace
}  // namespace sinkstream
