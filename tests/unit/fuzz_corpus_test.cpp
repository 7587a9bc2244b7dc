// The committed fuzz seed corpus (fuzz/corpus, written by fuzz/make_corpus.py) must
// parse, so every fuzzing run starts from valid files of every kind.
#include <cstring>
#include <filesystem>

#include "core/row_dot.hpp"
#include "io/gguf.hpp"
#include "io/safetensors.hpp"
#include "support/paths.hpp"

namespace sinkstream {
namespace {

TEST(FuzzCorpus, GgufSeedsParseAndDecode) {
  const std::string dir = test::source_dir() + "/fuzz/corpus/gguf";
  auto f = io::gguf::File::open(dir + "/v3_all_types.gguf");
  EXPECT_EQ(f->version(), 3u);
  EXPECT_EQ(f->tensors().size(), 11u);
  EXPECT_EQ(f->get_string_array("tokenizer.ggml.tokens"), (std::vector<std::string>{"<s>", "a", "\xE2\x96\x81" "b"}));
  // q8_0 seed: d = 1, qs = 0..31.
  const io::gguf::TensorInfo* q8 = f->find_tensor("q8_0");
  ASSERT_NE(q8, nullptr);
  float y[32];
  core::row_dequantize_ref(q8->type, q8->data, y, 32);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], static_cast<float>(j));
  EXPECT_EQ(io::gguf::File::open(dir + "/v2_vocab_only.gguf")->version(), 2u);
  EXPECT_EQ(io::gguf::File::open(dir + "/v3_align8.gguf")->alignment(), 8u);
  EXPECT_TRUE(io::gguf::File::open(dir + "/empty.gguf")->keys().empty());
}

TEST(FuzzCorpus, SafetensorsSeedsParse) {
  for (const auto& e : std::filesystem::directory_iterator(test::source_dir() + "/fuzz/corpus/safetensors")) {
    EXPECT_NO_THROW(io::safetensors::Archive::open(e.path().string())) << e.path();
  }
}

}  // namespace
}  // namespace sinkstream
