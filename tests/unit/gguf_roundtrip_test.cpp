// GGUF writer -> reader round trips for every metadata value type and tensor type,
// plus one byte image checked against the layout written out by hand.
#include <cmath>
#include <limits>

#include "io/gguf.hpp"
#include "io/gguf_writer.hpp"
#include "support/paths.hpp"
#include "unit/byte_builder.hpp"

namespace sinkstream {
namespace {

using io::gguf::Value;
using io::gguf::ValueType;

TEST(GgufWriter, MinimalImageMatchesHandWrittenLayout) {
  io::gguf::Writer w;
  w.set_u32("a", 7);
  // magic, version 3, n_tensors 0, n_kv 1, key "a", type u32 (4), value 7, pad to 32.
  test::ByteBuilder e;
  e.raw("GGUF").u32(3).u64(0).u64(1).str("a").u32(4).u32(7).pad_to(32);
  EXPECT_EQ(w.to_bytes(), e.b);
}

TEST(GgufWriter, TensorImageMatchesHandWrittenLayout) {
  io::gguf::Writer w(64);
  const std::vector<uint8_t> data = {1, 0, 0, 0, 2, 0, 0, 0};  // two f32 bit patterns, opaque here
  w.add_tensor("t", core::DType::kF32, {2}, data);
  test::ByteBuilder e;
  e.raw("GGUF").u32(3).u64(1).u64(1).str("general.alignment").u32(4).u32(64);
  e.str("t").u32(1).u64(2).u32(0).u64(0).pad_to(64);
  e.b.insert(e.b.end(), data.begin(), data.end());
  EXPECT_EQ(w.to_bytes(), e.b);
}

TEST(GgufRoundTrip, EveryScalarType) {
  io::gguf::Writer w;
  w.set("u8", Value::u8(255));
  w.set("i8", Value::i8(-128));
  w.set("u16", Value::u16(65535));
  w.set("i16", Value::i16(-32768));
  w.set("u32", Value::u32(4294967295u));
  w.set("i32", Value::i32(std::numeric_limits<int32_t>::min()));
  w.set("u64", Value::u64(std::numeric_limits<uint64_t>::max()));
  w.set("i64", Value::i64(std::numeric_limits<int64_t>::min()));
  w.set("f32", Value::f32(1.5f));
  w.set("f64", Value::f64(3.141592653589793));
  w.set("t", Value::boolean(true));
  w.set("f", Value::boolean(false));
  w.set("s", Value::string(std::string("h\xC3\xA9llo\0x", 8)));
  w.set("empty", Value::string(""));
  const auto bytes = w.to_bytes();
  auto f = io::gguf::File::parse(bytes.data(), bytes.size(), "mem");
  EXPECT_EQ(f->version(), 3u);
  EXPECT_EQ(f->keys(), (std::vector<std::string>{"u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f32", "f64",
                                                 "t", "f", "s", "empty"}));
  EXPECT_EQ(f->type_of("u8"), ValueType::kU8);
  EXPECT_EQ(f->type_of("i64"), ValueType::kI64);
  EXPECT_EQ(f->type_of("s"), ValueType::kString);
  EXPECT_EQ(f->get_int("u8"), 255);
  EXPECT_EQ(f->get_int("i8"), -128);
  EXPECT_EQ(f->get_int("u16"), 65535);
  EXPECT_EQ(f->get_int("i16"), -32768);
  EXPECT_EQ(f->get_int("u32"), 4294967295LL);
  EXPECT_EQ(f->get_int("i32"), -2147483648LL);
  EXPECT_THROW(f->get_int("u64"), Error);  // 2^64-1 does not fit in int64
  EXPECT_EQ(f->get("u64").u, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(f->get_int("i64"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(f->get_float("f32"), 1.5);
  EXPECT_EQ(f->get_float("f64"), 3.141592653589793);
  EXPECT_EQ(f->get_float("u16"), 65535.0);  // ints accepted as floats
  EXPECT_EQ(f->get_float("i8"), -128.0);
  EXPECT_TRUE(f->get_bool("t", false));
  EXPECT_FALSE(f->get_bool("f", true));
  EXPECT_TRUE(f->get_bool("missing", true));
  EXPECT_EQ(f->get_string("s"), std::string("h\xC3\xA9llo\0x", 8));
  EXPECT_EQ(f->get_string("empty"), "");
  EXPECT_EQ(f->get_int("missing", 42), 42);
  EXPECT_EQ(f->get_float("missing", 0.25), 0.25);
  // Wrong types throw, naming the key.
  EXPECT_THROW(f->get_string("u8"), Error);
  EXPECT_THROW(f->get_int("f32"), Error);
  EXPECT_THROW(f->get_float("s"), Error);
  EXPECT_THROW(f->get_bool("u8", false), Error);
  EXPECT_THROW(f->array_size("u8"), Error);
  try {
    f->get_int("s");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kFormat);
    EXPECT_NE(std::string(e.what()).find("mem"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("'s'"), std::string::npos);
  }
  EXPECT_THROW(f->type_of("missing"), Error);
}

TEST(GgufRoundTrip, ArraysOfEveryTypeAndNestedArrays) {
  io::gguf::Writer w;
  w.set("a_u8", Value::array(ValueType::kU8, {Value::u8(0), Value::u8(200)}));
  w.set("a_i8", Value::array(ValueType::kI8, {Value::i8(-1), Value::i8(5)}));
  w.set("a_u16", Value::array(ValueType::kU16, {Value::u16(1), Value::u16(65535)}));
  w.set("a_i16", Value::array(ValueType::kI16, {Value::i16(-300)}));
  w.set("a_u32", Value::array(ValueType::kU32, {Value::u32(3000000000u)}));
  w.set("a_i32", Value::i32_array({-7, 0, 2147483647}));
  w.set("a_u64", Value::array(ValueType::kU64, {Value::u64(9)}));
  w.set("a_i64", Value::array(ValueType::kI64, {Value::i64(-9)}));
  w.set("a_f32", Value::f32_array({0.5f, -2.0f, 1e-3f}));
  w.set("a_f64", Value::array(ValueType::kF64, {Value::f64(0.1), Value::f64(-0.2)}));
  w.set("a_bool", Value::array(ValueType::kBool, {Value::boolean(true), Value::boolean(false)}));
  w.set("a_str", Value::string_array({"<s>", "", "\xE2\x96\x81the"}));
  w.set("a_empty", Value::array(ValueType::kString, {}));
  const Value nested = Value::array(
      ValueType::kArray, {Value::i32_array({1, 2}), Value::i32_array({}), Value::i32_array({3})});
  w.set("a_nested", nested);
  w.set("a_nested_str", Value::array(ValueType::kArray, {Value::string_array({"x", "yz"})}));
  const auto bytes = w.to_bytes();
  auto f = io::gguf::File::parse(bytes.data(), bytes.size());

  EXPECT_EQ(f->get_i32_array("a_u8"), (std::vector<int32_t>{0, 200}));
  EXPECT_EQ(f->get_i32_array("a_i8"), (std::vector<int32_t>{-1, 5}));
  EXPECT_EQ(f->get_i32_array("a_u16"), (std::vector<int32_t>{1, 65535}));
  EXPECT_EQ(f->get_i32_array("a_i16"), (std::vector<int32_t>{-300}));
  EXPECT_THROW(f->get_i32_array("a_u32"), Error);  // 3e9 > INT32_MAX
  EXPECT_EQ(f->get("a_u32").items.at(0).u, 3000000000u);
  EXPECT_EQ(f->get_i32_array("a_i32"), (std::vector<int32_t>{-7, 0, 2147483647}));
  EXPECT_EQ(f->get_i32_array("a_u64"), (std::vector<int32_t>{9}));
  EXPECT_EQ(f->get_i32_array("a_i64"), (std::vector<int32_t>{-9}));
  EXPECT_EQ(f->get_f32_array("a_f32"), (std::vector<float>{0.5f, -2.0f, 1e-3f}));
  EXPECT_EQ(f->get_f32_array("a_f64"), (std::vector<float>{0.1f, -0.2f}));
  EXPECT_EQ(f->get("a_bool"), Value::array(ValueType::kBool, {Value::boolean(true), Value::boolean(false)}));
  EXPECT_EQ(f->get_string_array("a_str"), (std::vector<std::string>{"<s>", "", "\xE2\x96\x81the"}));
  EXPECT_EQ(f->array_size("a_str"), 3u);
  EXPECT_EQ(f->array_type("a_str"), ValueType::kString);
  EXPECT_EQ(f->array_size("a_empty"), 0u);
  EXPECT_TRUE(f->get_string_array("a_empty").empty());
  EXPECT_EQ(f->get("a_nested"), nested);
  EXPECT_EQ(f->array_size("a_nested"), 3u);
  EXPECT_EQ(f->get("a_nested_str").items.at(0).items.at(1).s, "yz");
  EXPECT_THROW(f->get_string_array("a_i32"), Error);
  EXPECT_THROW(f->get_f32_array("a_str"), Error);
  EXPECT_THROW(f->get_i32_array("a_f32"), Error);
  EXPECT_THROW(f->get_i32_array("a_nested"), Error);
}

TEST(GgufWriter, RejectsBadInput) {
  EXPECT_THROW(io::gguf::Writer(0), Error);
  EXPECT_THROW(io::gguf::Writer(48), Error);
  EXPECT_THROW(io::gguf::Writer(4), Error);  // the spec asks for a multiple of 8
  io::gguf::Writer w;
  EXPECT_THROW(w.set("x", Value::array(ValueType::kU8, {Value::i8(1)})), Error);
  const std::vector<uint8_t> four(4);
  EXPECT_THROW(w.add_tensor("t", core::DType::kF32, {2}, four), Error);       // 2 f32 = 8 bytes
  EXPECT_THROW(w.add_tensor("t", core::DType::kF32, {0}, std::vector<uint8_t>{}), Error);  // zero dim
  EXPECT_THROW(w.add_tensor("t", core::DType::kF32, {1, 1, 1, 1, 1}, four), Error);
  EXPECT_THROW(w.add_tensor("t", core::DType::kQ4_0, {16}, four), Error);     // not a block multiple
  w.add_tensor("t", core::DType::kF32, {1}, four);
  EXPECT_THROW(w.add_tensor("t", core::DType::kF32, {1}, four), Error);       // duplicate
  // Replacing a key keeps one entry.
  w.set_u32("k", 1);
  w.set_u32("k", 2);
  const auto bytes = w.to_bytes();
  auto f = io::gguf::File::parse(bytes.data(), bytes.size());
  EXPECT_EQ(f->keys().size(), 1u);
  EXPECT_EQ(f->get_int("k"), 2);
}

TEST(GgufRoundTrip, TensorsOfEveryTypeThroughAFile) {
  const core::DType types[] = {core::DType::kF32,  core::DType::kF16,  core::DType::kBF16, core::DType::kQ8_0, core::DType::kQ4_0, core::DType::kQ4_1,
                         core::DType::kQ5_0, core::DType::kQ5_1, core::DType::kQ4_K, core::DType::kQ5_K, core::DType::kQ6_K};
  // Block bytes from the ggml layouts (independent of dtype.cpp): elements per block, bytes per block.
  const std::pair<int64_t, size_t> expect[] = {{1, 4},    {1, 2},    {1, 2},     {32, 34},  {32, 18}, {32, 20},
                                               {32, 22},  {32, 24},  {256, 144}, {256, 176}, {256, 210}};
  for (uint64_t alignment : {uint64_t{32}, uint64_t{64}, uint64_t{8}}) {
    SCOPED_TRACE(alignment);
    io::gguf::Writer w(alignment);
    w.set_string("general.architecture", "llama");
    std::vector<std::vector<uint8_t>> datas;
    for (size_t k = 0; k < std::size(types); ++k) {
      const int64_t cols = expect[k].first * 2, rows = 3;
      const size_t bytes = expect[k].second * 2 * 3;
      std::vector<uint8_t> d(bytes);
      for (size_t i = 0; i < bytes; ++i) d[i] = static_cast<uint8_t>(i * 7 + k);
      w.add_tensor("blk." + std::to_string(k) + ".w", types[k], {cols, rows}, d);
      datas.push_back(d);
    }
    w.add_tensor("t4d", core::DType::kF32, {1, 2, 3, 4}, std::vector<uint8_t>(24 * 4, 0xAB));
    test::TempDir dir;
    const std::string path = dir.file("m.gguf");
    w.write(path);
    // write() and to_bytes() agree byte for byte.
    const std::string on_disk = test::read_file(path);
    const auto image = w.to_bytes();
    ASSERT_EQ(on_disk, std::string(image.begin(), image.end()));

    auto f = io::gguf::File::open(path);
    ASSERT_NE(f->mapping(), nullptr);
    EXPECT_EQ(f->get_string("general.architecture"), "llama");
    EXPECT_EQ(f->alignment(), alignment);
    EXPECT_EQ(f->data_offset() % alignment, 0u);
    ASSERT_EQ(f->tensors().size(), std::size(types) + 1);
    for (size_t k = 0; k < std::size(types); ++k) {
      const io::gguf::TensorInfo* t = f->find_tensor("blk." + std::to_string(k) + ".w");
      ASSERT_NE(t, nullptr);
      EXPECT_EQ(t->type, types[k]);
      EXPECT_EQ(t->dims, (std::vector<int64_t>{expect[k].first * 2, 3}));
      EXPECT_EQ(t->bytes, datas[k].size());
      EXPECT_EQ(t->offset % alignment, 0u);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(t->data) - reinterpret_cast<uintptr_t>(f->mapping()->data()),
                f->data_offset() + t->offset);
      EXPECT_EQ(std::memcmp(t->data, datas[k].data(), datas[k].size()), 0);
      EXPECT_EQ(t->rows(), 3);
      EXPECT_EQ(t->numel(), expect[k].first * 6);
    }
    const io::gguf::TensorInfo* t4 = f->find_tensor("t4d");
    ASSERT_NE(t4, nullptr);
    EXPECT_EQ(t4->dims.size(), 4u);
    EXPECT_EQ(t4->rows(), 24);
    EXPECT_EQ(f->find_tensor("absent"), nullptr);
  }
}

}  // namespace
}  // namespace sinkstream
