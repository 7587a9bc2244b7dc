// Command-line values that used to be taken as given: --threads far above the
// machine, a ppl stream shorter than the default bucket, and an HF model whose
// config gives no context length (the default cache was silently sink:4:1).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "support/paths.hpp"

namespace sinkstream::test {
namespace {

std::string stories_args() { return " -m " + stories_model() + " -z " + stories_tokenizer(); }

TEST(HostileCli, ThousandThreadsAreRefused) {
  SINKSTREAM_REQUIRE_SHARED();
  const CommandResult r = run_command(binary() + " generate" + stories_args() + " -n 2 --temp 0 --threads 1000");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("1000"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("threads"), std::string::npos) << r.err;
}

TEST(HostileCli, FewThreadsStillRun) {
  SINKSTREAM_REQUIRE_SHARED();
  const CommandResult r = run_command(binary() + " generate" + stories_args() + " -n 2 --temp 0 --threads 2");
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST(HostileCli, PplShrinksTheBucketToAShortStream) {
  SINKSTREAM_REQUIRE_SHARED();
  TempDir dir;
  write_file(dir.file("short.txt"), "Once upon a time there was a little girl named Lily.");
  // Default --bucket 1000, far more than the ~15 tokens of the text.
  const CommandResult r = run_command(binary() + " ppl" + stories_args() + " --threads 1 --cache dense --text " +
                                      dir.file("short.txt") + " --json " + dir.file("s.json"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("bucket"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--bucket"), std::string::npos) << r.err;
  // One bucket holding every predicted token: tokens - 1 of them.
  const auto j = nlohmann::json::parse(read_file(dir.file("s.json")));
  const int64_t predicted = j.at("tokens").get<int64_t>() - 1;
  EXPECT_GT(predicted, 5);
  EXPECT_EQ(j.at("bucket").get<int64_t>(), predicted);
  ASSERT_EQ(j.at("policies").size(), 1u);
  ASSERT_EQ(j.at("policies")[0].at("buckets").size(), 1u);
  EXPECT_EQ(j.at("policies")[0].at("buckets")[0].at("end").get<int64_t>() -
                j.at("policies")[0].at("buckets")[0].at("begin").get<int64_t>() + 1,
            predicted);
}

TEST(HostileCli, PplWithOneTokenIsStillAnError) {
  SINKSTREAM_REQUIRE_SHARED();
  TempDir dir;
  write_file(dir.file("one.txt"), "1");
  const CommandResult r =
      run_command(binary() + " ppl" + stories_args() + " --threads 1 --cache dense --ids " + dir.file("one.txt"));
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("one.txt"), std::string::npos) << r.err;
}

// The llama fixture with a byte-level tokenizer.json of its 512 ids and,
// optionally, no max_position_embeddings.
std::string hf_model_dir(const TempDir& dir, bool with_context) {
  namespace fs = std::filesystem;
  const fs::path src = fs::path(source_dir()) / "tests/fixtures/hf/llama";
  const fs::path out = dir.path() / "llama";
  fs::create_directories(out);
  fs::copy_file(src / "model.safetensors", out / "model.safetensors");
  auto cfg = nlohmann::json::parse(read_file((src / "config.json").string()));
  if (!with_context) cfg.erase("max_position_embeddings");
  write_file((out / "config.json").string(), cfg.dump());
  nlohmann::json vocab = nlohmann::json::object();
  for (int i = 0; i < 512; ++i) {
    std::string piece(1, static_cast<char>('!' + i));  // the printable ASCII bytes, then filler tokens
    if (i >= 94) piece = std::string("t").append(std::to_string(i));
    vocab[piece] = i;
  }
  const nlohmann::json tok = {
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", nlohmann::json::array()}}},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}}};
  write_file((out / "tokenizer.json").string(), tok.dump());
  return out.string();
}

TEST(HostileCli, HfConfigWithContextUsesItSilently) {
  TempDir dir;
  const CommandResult r = run_command(binary() + " generate -m " + hf_model_dir(dir, true) + " -p abc -n 3 --temp 0 -t 1");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err.find("max_position_embeddings"), std::string::npos) << r.err;
}

TEST(HostileCli, HfConfigWithoutContextSaysWhichCacheItUses) {
  TempDir dir;
  const CommandResult r = run_command(binary() + " generate -m " + hf_model_dir(dir, false) + " -p abc -n 3 --temp 0 -t 1");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("max_position_embeddings"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--cache"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("sink:4:1 "), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sinkstream::test
