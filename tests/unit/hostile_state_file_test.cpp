// Hostile session-state files with a VALID CRC (anyone can recompute it) and bad
// fields: refused with a one-line sinkstream::Error before the cache is resized
// or anything is allocated by the file's counts.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "sinkstream/error.hpp"
#include "sinkstream/session.hpp"
#include "support/llama2c_builder.hpp"
#include "support/paths.hpp"

namespace sinkstream::test {
namespace {

constexpr size_t kHeader = 28;  // magic 8, version 4, reserved 4, payload size 8, CRC 4

// Offsets of the cache fields inside a state payload, found by walking the
// layout that session_state.cpp documents (strings and vectors: u64 count first).
struct CacheFields {
  size_t n_layer, kv_dim, n_slots, kv_type;
};

uint64_t u64_at(const std::string& b, size_t at) {
  uint64_t v;
  std::memcpy(&v, b.data() + at, 8);
  return v;
}

CacheFields cache_fields(const std::string& file) {
  size_t at = kHeader;
  at += 8 + u64_at(file, at);      // model fingerprint
  at += 8 + u64_at(file, at);      // cache policy
  at += 4 + 8;                     // batch, position
  at += 8 + 4 * u64_at(file, at);  // history (int32)
  at += 4 + 4 + 4 + 4 + 4 + 4 + 8; // sampler parameters
  at += 4 * 8;                     // RNG state
  at += 8 + 4 * u64_at(file, at);  // logits (f32)
  return {at, at + 4, at + 8, at + 12};
}

// Rewrites the payload CRC so the file passes the checksum.
void reseal(std::string& file) {
  const auto crc = static_cast<uint32_t>(
      crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(file.data() + kHeader), static_cast<uInt>(file.size() - kHeader)));
  std::memcpy(file.data() + 24, &crc, 4);
}

class HostileStateFile : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    Llama2cDims d;
    d.vocab = 16;
    Llama2cBuilder(d, 3, 0.1f).save(dir_.file("tiny.bin"));
    model_ = Model::load(dir_.file("tiny.bin"));
    Session s(model_, options());
    for (int32_t t = 0; t < 12; ++t) s.eval(t);
    s.save_state(dir_.file("good.state"));
    good_ = read_file(dir_.file("good.state"));
  }
  SessionOptions options() const {
    SessionOptions o;
    o.cache = CachePolicy::parse(GetParam());
    o.threads = 1;
    o.batch = 4;
    return o;
  }
  // The error of loading `bytes` (resealed), or "" when it loads.
  std::string load_error(std::string bytes) {
    reseal(bytes);
    write_file(dir_.file("bad.state"), bytes);
    try {
      Session s(model_, options());
      s.load_state(dir_.file("bad.state"));
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  TempDir dir_;
  std::shared_ptr<const Model> model_;
  std::string good_;
};

TEST_P(HostileStateFile, ResealedGoodFileLoads) {
  EXPECT_EQ(load_error(good_), "");
  const CacheFields f = cache_fields(good_);
  int32_t n_layer;
  std::memcpy(&n_layer, good_.data() + f.n_layer, 4);
  EXPECT_EQ(n_layer, 2);  // the walk above found the cache header
}

TEST_P(HostileStateFile, HugeSlotCountIsRefusedBeforeResizing) {
  std::string b = good_;
  const int32_t huge = INT32_MAX;  // 2 layers x 2^31 slots x 32 floats x 2 = 512 GiB
  std::memcpy(b.data() + cache_fields(b).n_slots, &huge, 4);
  const std::string msg = load_error(b);
  EXPECT_NE(msg.find("bad.state"), std::string::npos) << msg;
  EXPECT_NE(msg.find("2147483647"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST_P(HostileStateFile, NegativeSlotCountIsRefused) {
  std::string b = good_;
  const int32_t neg = -5;
  std::memcpy(b.data() + cache_fields(b).n_slots, &neg, 4);
  EXPECT_NE(load_error(b).find("-5"), std::string::npos);
}

TEST_P(HostileStateFile, OtherLayerCountIsRefused) {
  std::string b = good_;
  const int32_t three = 3;
  std::memcpy(b.data() + cache_fields(b).n_layer, &three, 4);
  EXPECT_NE(load_error(b).find("3 layers"), std::string::npos);
}

TEST_P(HostileStateFile, ArrayLengthBeyondTheFileIsRefused) {
  std::string b = good_;
  const uint64_t huge = uint64_t{1} << 60;
  std::memcpy(b.data() + cache_fields(b).kv_type + 1, &huge, 8);  // key array count
  EXPECT_NE(load_error(b).find("overruns"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Policies, HostileStateFile,
                         ::testing::Values("dense", "window:8", "sink:2:8", "recompute:8", "discard:2:6"));

}  // namespace
}  // namespace sinkstream::test

namespace sinkstream::test {
namespace {

// A state whose policy string asks for 2e9 window slots: Session::state_policy
// (which the CLI uses to size the cache before load_state) must refuse it.
TEST(HostileStatePolicy, PolicyLargerThanTheFileIsRefused) {
  TempDir dir;
  Llama2cDims d;
  d.vocab = 16;
  Llama2cBuilder(d, 3, 0.1f).save(dir.file("tiny.bin"));
  const auto model = Model::load(dir.file("tiny.bin"));
  SessionOptions o;
  o.cache = CachePolicy::parse("window:8");
  o.threads = 1;
  Session s(model, o);
  s.eval(1);
  s.save_state(dir.file("good.state"));
  std::string b = read_file(dir.file("good.state"));
  size_t at = kHeader + 8 + u64_at(b, kHeader);  // the policy string
  const std::string huge = "window:2000000000";
  const uint64_t len = huge.size();
  const uint64_t old_len = u64_at(b, at);
  b.replace(at, 8 + old_len, std::string(reinterpret_cast<const char*>(&len), 8) + huge);
  const uint64_t payload = b.size() - kHeader;
  std::memcpy(b.data() + 16, &payload, 8);
  reseal(b);
  write_file(dir.file("huge.state"), b);
  try {
    Session::state_policy(dir.file("huge.state"));
    ADD_FAILURE() << "a 2e9-slot policy in a " << b.size() << "-byte file was accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("huge.state"), std::string::npos) << msg;
    EXPECT_NE(msg.find("window:2000000000"), std::string::npos) << msg;
  }
  EXPECT_EQ(Session::state_policy(dir.file("good.state")).to_string(), "window:8");
}

TEST(HostileStatePolicy, SaveLeavesOnlyTheStateFile) {
  TempDir dir;
  Llama2cDims d;
  d.vocab = 16;
  Llama2cBuilder(d, 3, 0.1f).save(dir.file("tiny.bin"));
  SessionOptions o;
  o.threads = 1;
  Session s(Model::load(dir.file("tiny.bin")), o);
  s.eval(1);
  s.save_state(dir.file("a.state"));
  s.eval(2);
  s.save_state(dir.file("a.state"));  // over an existing file
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"a.state", "tiny.bin"}));
  Session t(Model::load(dir.file("tiny.bin")), o);
  t.load_state(dir.file("a.state"));
  EXPECT_EQ(t.position(), 2);
  EXPECT_THROW(s.save_state(dir.file("no/such/dir/a.state")), Error);
}

}  // namespace
}  // namespace sinkstream::test

namespace sinkstream::test {
namespace {

// Same shapes, other weights: a state saved with one model is refused by the other.
TEST(HostileStatePolicy, StateOfAnotherModelWithTheSameShapesIsRefused) {
  TempDir dir;
  Llama2cDims d;
  d.vocab = 16;
  Llama2cBuilder(d, 3, 0.1f).save(dir.file("a.bin"));
  Llama2cBuilder(d, 4, 0.1f).save(dir.file("b.bin"));
  SessionOptions o;
  o.threads = 1;
  Session a(Model::load(dir.file("a.bin")), o);
  a.eval(1);
  a.save_state(dir.file("a.state"));
  Session b(Model::load(dir.file("b.bin")), o);
  try {
    b.load_state(dir.file("a.state"));
    ADD_FAILURE() << "a state of a.bin was loaded into a session of b.bin";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("saved for model"), std::string::npos) << e.what();
  }
  Session a2(Model::load(dir.file("a.bin")), o);
  EXPECT_NO_THROW(a2.load_state(dir.file("a.state")));
}

}  // namespace
}  // namespace sinkstream::test
