// Safetensors files written byte by byte by the test; expectations from the format
// definition (u64 LE header length, JSON header, data region).
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "io/safetensors.hpp"
#include "sinkstream/error.hpp"
#include "support/paths.hpp"
#include "unit/byte_builder.hpp"

namespace sinkstream {
namespace {

using test::ByteBuilder;

// Image: u64 header length, the header padded with spaces to a multiple of 8, then data.
std::vector<uint8_t> image(std::string header, const std::vector<uint8_t>& data) {
  while ((8 + header.size()) % 8 != 0) header.push_back(' ');
  ByteBuilder b;
  b.u64(header.size()).raw(header);
  b.b.insert(b.b.end(), data.begin(), data.end());
  return b.b;
}

std::string parse_error(const std::vector<uint8_t>& img, ErrorKind kind = ErrorKind::kFormat) {
  try {
    io::safetensors::Archive::parse(img.data(), img.size(), "bad.safetensors");
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad.safetensors"), std::string::npos) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "parse succeeded";
  return "";
}

#define EXPECT_ST_ERROR(img, fragment)                                         \
  do {                                                                         \
    const std::string msg_ = parse_error(img);                                 \
    EXPECT_NE(msg_.find(fragment), std::string::npos) << "message: " << msg_;  \
  } while (0)

// Data region of the basic file: a = f32 [2,3] 0..5 (bytes 0..23), b = f16 [4]
// {1, -2, 0.5, 65504} (24..31), c = bf16 scalar 1.0 (32..33).
std::vector<uint8_t> basic_data() {
  ByteBuilder d;
  for (int i = 0; i < 6; ++i) d.f32(static_cast<float>(i));
  d.u16(0x3C00).u16(0xC000).u16(0x3800).u16(0x7BFF);
  d.u16(0x3F80);
  return d.b;
}

const char* kBasicHeader =
    R"({"__metadata__":{"format":"pt"},)"
    R"("b":{"dtype":"F16","shape":[4],"data_offsets":[24,32]},)"
    R"("a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
    R"("c":{"dtype":"BF16","shape":[],"data_offsets":[32,34]}})";

TEST(Safetensors, ParsesTensorsShapesDataAndMetadata) {
  const auto img = image(kBasicHeader, basic_data());
  auto st = io::safetensors::Archive::parse(img.data(), img.size(), "basic");
  ASSERT_EQ(st->tensors().size(), 3u);
  EXPECT_EQ(st->tensors()[0].name, "a");  // sorted by name
  EXPECT_EQ(st->tensors()[2].name, "c");
  const io::safetensors::Tensor* a = st->find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->type, core::DType::kF32);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a->numel(), 6);
  EXPECT_EQ(a->bytes, 24u);
  float row1[3];
  std::memcpy(row1, static_cast<const uint8_t*>(a->data) + 12, 12);  // row 1 of a
  EXPECT_EQ(row1[0], 3.0f);
  EXPECT_EQ(row1[2], 5.0f);
  const io::safetensors::Tensor* b = st->find("b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->type, core::DType::kF16);
  uint16_t h[4];
  std::memcpy(h, b->data, 8);
  EXPECT_EQ(h[1], 0xC000);
  EXPECT_EQ(h[3], 0x7BFF);
  const io::safetensors::Tensor* c = st->find("c");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->type, core::DType::kBF16);
  EXPECT_TRUE(c->shape.empty());
  EXPECT_EQ(c->numel(), 1);
  EXPECT_EQ(static_cast<const uint8_t*>(c->data)[1], 0x3F);
  EXPECT_EQ(st->find("missing"), nullptr);
  EXPECT_EQ(st->metadata().at("format"), "pt");
  // Data region starts right after the padded header: a's data at byte 8 + header length.
  const size_t header_len = img[0] | (img[1] << 8);
  EXPECT_EQ(static_cast<const uint8_t*>(a->data), st->tensors()[0].data);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a->data) % 8, reinterpret_cast<uintptr_t>(b->data) % 8);
  EXPECT_EQ((8 + header_len) % 8, 0u);
}

TEST(Safetensors, UnsupportedDtypeIsValidatedButNotExposed) {
  ByteBuilder d;
  d.f32(1.0f).u64(7).u64(8);
  const auto img = image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                         R"("pos":{"dtype":"I64","shape":[2],"data_offsets":[4,20]}})",
                         d.b);
  auto st = io::safetensors::Archive::parse(img.data(), img.size(), "m.safetensors");
  EXPECT_EQ(st->tensors().size(), 1u);
  try {
    st->find("pos");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("'pos'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("I64"), std::string::npos);
  }
  // A wrong size for the unsupported tensor is still a format error.
  EXPECT_ST_ERROR(image(R"({"pos":{"dtype":"I64","shape":[2],"data_offsets":[0,12]}})", std::vector<uint8_t>(16)),
                  "needs 16");
}

TEST(Safetensors, TruncatedAtEveryByteThrows) {
  const auto full = image(kBasicHeader, basic_data());
  for (size_t n = 0; n < full.size(); ++n) {
    const std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_THROW(io::safetensors::Archive::parse(cut.data(), cut.size()), Error) << n;
  }
}

TEST(Safetensors, HostileHeaders) {
  const std::vector<uint8_t> d16(16);
  EXPECT_ST_ERROR(std::vector<uint8_t>(5), "too short");
  ByteBuilder huge;
  huge.u64(~uint64_t{0}).raw("{}");
  EXPECT_ST_ERROR(huge.b, "runs past the end");
  EXPECT_ST_ERROR(image("{not json", d16), "not valid JSON");
  EXPECT_ST_ERROR(image("[1,2]", d16), "not a JSON object");
  std::string deep = R"({"x":)";
  for (int k = 0; k < 10000; ++k) deep += "[";
  EXPECT_ST_ERROR(image(deep, d16), "nested deeper");
  EXPECT_ST_ERROR(image(R"({"x":5})", d16), "not an object");
  EXPECT_ST_ERROR(image(R"({"x":{"shape":[1],"data_offsets":[0,4]}})", d16), "dtype");
  EXPECT_ST_ERROR(image(R"({"x":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}})", d16), "unknown dtype 'Q4'");
  EXPECT_ST_ERROR(image(R"({"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", d16), "non-negative");
  EXPECT_ST_ERROR(image(R"({"x":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", d16), "non-negative");
  EXPECT_ST_ERROR(image(R"({"x":{"dtype":"F32","shape":"1","data_offsets":[0,4]}})", d16), "shape");
  EXPECT_ST_ERROR(image(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", d16), "[begin, end]");
  EXPECT_ST_ERROR(image(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", d16), "outside");
  EXPECT_ST_ERROR(image(R"({"x":{"dtype":"F32","shape":[5],"data_offsets":[0,20]}})", d16), "outside");
  EXPECT_ST_ERROR(image(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", d16), "needs 8");
  EXPECT_ST_ERROR(image(R"({"x":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,4]}})", d16),
                  "overflow");
  EXPECT_ST_ERROR(image(R"({"x":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}})", d16), "needs");
  EXPECT_ST_ERROR(image(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551615]}})", d16),
                  "outside");
  EXPECT_ST_ERROR(image(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                        R"("y":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                        d16),
                  "overlaps");
  EXPECT_ST_ERROR(image(R"({"__metadata__":{"n":1}})", d16), "not a string");
  EXPECT_ST_ERROR(image(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}})", d16), "4-byte aligned");
  ByteBuilder unpadded;  // header of 58 bytes: data region starts at file offset 66
  const std::string h = R"({"x":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}    )";
  ASSERT_EQ(h.size(), 58u);
  unpadded.u64(h.size()).raw(h).u16(0x3C00);
  EXPECT_NO_THROW(io::safetensors::Archive::parse(unpadded.b.data(), unpadded.b.size()));  // 66 % 2 == 0
  const std::string h2 = R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}   )";  // 57 bytes -> offset 65
  ByteBuilder odd;
  odd.u64(h2.size()).raw(h2).f32(1.0f);
  EXPECT_ST_ERROR(odd.b, "aligned");
  EXPECT_ST_ERROR(image(R"({"__metadata__":[]})", d16), "__metadata__");
  // Empty tensors (a zero dim) take no bytes and may share an offset.
  const auto ok = image(R"({"e":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]},)"
                        R"("x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                        d16);
  EXPECT_NO_THROW(io::safetensors::Archive::parse(ok.data(), ok.size()));
}

TEST(Safetensors, HeaderLengthCap) {
  // A sparse file just over the cap: the header length is bounded before anything is read.
  test::TempDir dir;
  const std::string path = dir.file("big.safetensors");
  ByteBuilder b;
  b.u64(io::safetensors::kMaxHeaderBytes + 1);
  test::write_file(path, b.bytes());
  std::filesystem::resize_file(path, io::safetensors::kMaxHeaderBytes + 64);
  try {
    io::safetensors::Archive::open(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("100 MB"), std::string::npos) << e.what();
  }
}

void write_image(const std::string& path, const std::vector<uint8_t>& img) {
  test::write_file(path, std::string(img.begin(), img.end()));
}

TEST(Safetensors, ShardedFolder) {
  test::TempDir dir;
  ByteBuilder d1, d2;
  d1.f32(1.0f).f32(2.0f);
  d2.u16(0x3C00);
  write_image(dir.file("model-00001-of-00002.safetensors"),
              image(R"({"__metadata__":{"format":"pt"},"w1":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", d1.b));
  write_image(dir.file("model-00002-of-00002.safetensors"),
              image(R"({"w2":{"dtype":"F16","shape":[1,1],"data_offsets":[0,2]}})", d2.b));
  test::write_file(dir.file("model.safetensors.index.json"),
                   R"({"metadata":{"total_size":10},"weight_map":{"w1":"model-00001-of-00002.safetensors",)"
                   R"("w2":"model-00002-of-00002.safetensors"}})");
  for (const std::string& p : {dir.path().string(), dir.file("model.safetensors.index.json")}) {
    auto st = io::safetensors::Archive::open(p);
    ASSERT_EQ(st->tensors().size(), 2u);
    const io::safetensors::Tensor* w1 = st->find("w1");
    ASSERT_NE(w1, nullptr);
    float v[2];
    std::memcpy(v, w1->data, 8);
    EXPECT_EQ(v[1], 2.0f);
    EXPECT_NE(w1->file.find("00001"), std::string::npos);
    const io::safetensors::Tensor* w2 = st->find("w2");
    ASSERT_NE(w2, nullptr);
    EXPECT_EQ(w2->shape, (std::vector<int64_t>{1, 1}));
    EXPECT_EQ(st->metadata().at("format"), "pt");
    EXPECT_EQ(st->metadata().at("total_size"), "10");
    EXPECT_EQ(st->files().size(), 2u);
  }
}

TEST(Safetensors, BadIndexes) {
  test::TempDir dir;
  ByteBuilder d;
  d.f32(1.0f);
  write_image(dir.file("s1.safetensors"), image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", d.b));
  write_image(dir.file("s2.safetensors"), image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", d.b));
  const std::string idx = dir.file("model.safetensors.index.json");
  auto err = [&](const std::string& index_json) -> std::string {
    test::write_file(idx, index_json);
    try {
      io::safetensors::Archive::open(dir.path().string());
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(err(R"({"weight_map":{"w":"s1.safetensors","v":"s1.safetensors"}})").find("'v' is missing"),
            std::string::npos);
  EXPECT_NE(err(R"({"weight_map":{"w":"../s1.safetensors"}})").find("plain file name"), std::string::npos);
  EXPECT_NE(err(R"({"weight_map":{"w":"absent.safetensors"}})").find("absent.safetensors"), std::string::npos);
  EXPECT_NE(err(R"({"weight_map":{"w":"s1.safetensors","x":"s2.safetensors"}})").find("duplicate"),
            std::string::npos);
  EXPECT_NE(err(R"({"weight_map":[]})").find("weight_map"), std::string::npos);
  EXPECT_NE(err("{").find("not valid JSON"), std::string::npos);
  EXPECT_EQ(err(R"({"weight_map":{"w":"s1.safetensors"}})"), "no error");
}

TEST(Safetensors, FolderWithSingleFileAndMissingFolder) {
  test::TempDir dir;
  ByteBuilder d;
  d.f32(4.0f);
  write_image(dir.file("model.safetensors"), image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", d.b));
  EXPECT_NE(io::safetensors::Archive::open(dir.path().string())->find("w"), nullptr);
  test::TempDir empty;
  EXPECT_THROW(io::safetensors::Archive::open(empty.path().string()), Error);
  EXPECT_THROW(io::safetensors::Archive::open(empty.file("none.safetensors")), Error);
}

}  // namespace
}  // namespace sinkstream
