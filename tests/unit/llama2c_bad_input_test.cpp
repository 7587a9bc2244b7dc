// Hostile and broken llama2.c inputs: each gets a clear sinkstream::Error
// naming the problem (and, through the CLI, a one-line error and exit code 1).
#include <gtest/gtest.h>

#include <cstring>

#include "sinkstream/error.hpp"
#include "sinkstream/model.hpp"
#include "support/paths.hpp"
#include "tokenizer/llama2c_tokenizer.hpp"

namespace sinkstream::test {
namespace {

std::string header(std::initializer_list<int32_t> fields) {
  std::string h;
  for (int32_t f : fields) h.append(reinterpret_cast<const char*>(&f), 4);
  return h;
}

// Loads `bytes` as a checkpoint; returns the error message ("" if it loaded).
std::string load_error(const std::string& bytes) {
  TempDir d;
  const std::string p = d.file("model.bin");
  write_file(p, bytes);
  try {
    LoadOptions lo;
    lo.tokenizer_path = "";
    Model::load(p, lo);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Llama2cBadInput, MissingFile) {
  try {
    Model::load("/nonexistent/dir/model.bin");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no such file"), std::string::npos) << e.what();
  }
}

TEST(Llama2cBadInput, EmptyFile) { EXPECT_NE(load_error("").find("empty"), std::string::npos); }

TEST(Llama2cBadInput, ShorterThanHeader) { EXPECT_NE(load_error("abcdefgh").find("28-byte header"), std::string::npos); }

TEST(Llama2cBadInput, NegativeDimension) {
  const std::string e = load_error(header({-64, 172, 5, 8, 4, 512, 512}) + std::string(1000, '\0'));
  EXPECT_NE(e.find("dim = -64"), std::string::npos) << e;
}

TEST(Llama2cBadInput, AbsurdDimension) {
  const std::string e = load_error(header({1 << 30, 172, 5, 8, 4, 512, 512}) + std::string(1000, '\0'));
  EXPECT_NE(e.find("dim = 1073741824"), std::string::npos) << e;
}

TEST(Llama2cBadInput, HeadsDoNotDivide) {
  const std::string e = load_error(header({64, 172, 5, 8, 3, 512, 512}) + std::string(1000, '\0'));
  EXPECT_NE(e.find("n_kv_heads"), std::string::npos) << e;
}

TEST(Llama2cBadInput, DimensionsDoNotFitTheFileSize) {
  // A valid-looking header with far too little data behind it.
  const std::string e = load_error(header({64, 172, 5, 8, 4, 512, 512}) + std::string(4096, '\0'));
  EXPECT_NE(e.find("needs 1056540 bytes but the file has 4124"), std::string::npos) << e;
}

TEST(Llama2cBadInput, TruncatedRealCheckpoint) {
  SINKSTREAM_REQUIRE_SHARED();
  const std::string full = read_file(stories_model());
  const std::string e = load_error(full.substr(0, full.size() / 2));
  EXPECT_NE(e.find("truncated"), std::string::npos) << e;
}

std::string tokenizer_error(const std::string& bytes, int32_t vocab) {
  TempDir d;
  const std::string p = d.file("tok.bin");
  write_file(p, bytes);
  try {
    tokenizer::Llama2cTokenizer t(p, vocab);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Llama2cBadInput, TokenizerLengthOverrunsTheFile) {
  std::string b = header({16});  // max_token_length
  float score = 0.5f;
  b.append(reinterpret_cast<const char*>(&score), 4);
  b += header({12}) + "abc";  // claims 12 bytes, has 3
  const std::string e = tokenizer_error(b, 512);
  EXPECT_NE(e.find("token 0 length 12 overruns the file"), std::string::npos) << e;
}

TEST(Llama2cBadInput, TokenizerNegativeLength) {
  std::string b = header({16});
  float score = 0.5f;
  b.append(reinterpret_cast<const char*>(&score), 4);
  b += header({-5});
  const std::string e = tokenizer_error(b, 512);
  EXPECT_NE(e.find("length -5"), std::string::npos) << e;
}

TEST(Llama2cBadInput, TokenizerTooFewEntries) {
  SINKSTREAM_REQUIRE_SHARED();
  const std::string e = tokenizer_error(read_file(stories_tokenizer()), 100000);
  EXPECT_NE(e.find("truncated"), std::string::npos) << e;
}

// Through the binary: one line on stderr, exit status 1, no crash.
TEST(CliBadInput, OneLineErrorAndNonZeroExit) {
  TempDir d;
  write_file(d.file("empty.bin"), "");
  write_file(d.file("neg.bin"), header({-64, 172, 5, 8, 4, 512, 512}) + std::string(64, '\0'));
  for (const std::string& model : {d.file("missing.bin"), d.file("empty.bin"), d.file("neg.bin")}) {
    const CommandResult r = run_command(binary() + " generate -m " + model + " -n 4");
    EXPECT_EQ(r.status, 1) << model << ": " << r.err;
    EXPECT_EQ(r.err.rfind("sinkstream: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

TEST(CliBadInput, UnknownFlagAndBadPolicy) {
  const CommandResult r = run_command(binary() + " generate --no-such-flag");
  EXPECT_NE(r.status, 0);
  SINKSTREAM_REQUIRE_SHARED();
  const CommandResult p = run_command(binary() + " generate -m " + stories_model() + " --cache lru:9 -n 2");
  EXPECT_EQ(p.status, 1) << p.err;
  EXPECT_NE(p.err.find("unknown policy 'lru'"), std::string::npos) << p.err;
}

}  // namespace
}  // namespace sinkstream::test
