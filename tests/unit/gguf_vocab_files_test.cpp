// Parses the real vocab-only GGUF files in ../shared/vocab (written by llama.cpp's
// gguf-py, not by us). Skips when ../shared is absent.
#include <filesystem>

#include "io/gguf.hpp"
#include "support/paths.hpp"

namespace sinkstream {
namespace {

TEST(GgufVocabFiles, EveryVocabFileParsesAndHasConsistentTokenArrays) {
  const std::filesystem::path dir = test::shared_dir() + "/vocab";
  if (!std::filesystem::exists(dir)) SINKSTREAM_SKIP_ABSENT(dir << " is absent");
  int n = 0;
  for (const auto& ent : std::filesystem::directory_iterator(dir)) {
    if (ent.path().extension() != ".gguf") continue;
    SCOPED_TRACE(ent.path().string());
    auto f = io::gguf::File::open(ent.path().string());
    EXPECT_TRUE(f->version() == 2 || f->version() == 3);
    ASSERT_TRUE(f->has("tokenizer.ggml.model"));
    EXPECT_EQ(f->type_of("tokenizer.ggml.model"), io::gguf::ValueType::kString);
    EXPECT_FALSE(f->get_string("tokenizer.ggml.model").empty());
    const auto tokens = f->get_string_array("tokenizer.ggml.tokens");
    EXPECT_EQ(tokens.size(), f->array_size("tokenizer.ggml.tokens"));
    EXPECT_GT(tokens.size(), 100u);
    if (f->has("tokenizer.ggml.token_type")) {
      EXPECT_EQ(f->get_i32_array("tokenizer.ggml.token_type").size(), tokens.size());
    }
    if (f->has("tokenizer.ggml.scores")) {
      EXPECT_EQ(f->get_f32_array("tokenizer.ggml.scores").size(), tokens.size());
    }
    EXPECT_EQ(f->get_string("no.such.key", "fallback"), "fallback");
    EXPECT_THROW(f->get_string("no.such.key"), Error);
    EXPECT_THROW(f->get_int("tokenizer.ggml.model"), Error);  // wrong type
    ++n;
  }
  EXPECT_GT(n, 0);
}

}  // namespace
}  // namespace sinkstream
