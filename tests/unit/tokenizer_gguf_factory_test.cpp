// make_gguf_tokenizer on small GGUF images written in the test: metadata is read
// into the right tokenizer, and missing / inconsistent metadata is rejected with
// an error naming the file and the key. Also: arbitrary bytes never crash an
// encoder, and the lossless tokenizers give them back exactly.
#include <filesystem>
#include <random>

#include "io/gguf.hpp"
#include "io/gguf_writer.hpp"
#include "sinkstream/error.hpp"
#include "support/paths.hpp"
#include "tokenizer/gguf_tokenizer.hpp"

namespace sinkstream {
namespace {

// A tiny byte-level BPE vocab: a b ab + <|end|> (control).
io::gguf::Writer tiny_bpe_writer() {
  io::gguf::Writer w;
  w.set_string("tokenizer.ggml.model", "gpt2");
  w.set_string("tokenizer.ggml.pre", "gpt2");
  w.set_string_array("tokenizer.ggml.tokens", {"a", "b", "ab", "<|end|>"});
  w.set_i32_array("tokenizer.ggml.token_type", {1, 1, 1, 3});
  w.set_string_array("tokenizer.ggml.merges", {"a b"});
  w.set_u32("tokenizer.ggml.eos_token_id", 3);
  return w;
}

std::shared_ptr<const io::gguf::File> image(const io::gguf::Writer& w, const std::string& name) {
  const std::vector<uint8_t> bytes = w.to_bytes();
  return io::gguf::File::parse(bytes.data(), bytes.size(), name);
}

void expect_error(const io::gguf::Writer& w, const std::string& key) {
  try {
    tokenizer::make_gguf_tokenizer(*image(w, "tiny.gguf"));
    ADD_FAILURE() << "expected an error naming " << key;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tiny.gguf"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
  }
}

TEST(GgufTokenizerFactory, ReadsMetadata) {
  const auto tok = tokenizer::make_gguf_tokenizer(*image(tiny_bpe_writer(), "tiny.gguf"));
  EXPECT_EQ(tok->kind(), "bpe");
  EXPECT_EQ(tok->vocab_size(), 4);
  EXPECT_EQ(tok->eos_id(), 3);
  EXPECT_EQ(tok->bos_id(), -1);
  EXPECT_FALSE(tok->add_bos_default());
  EXPECT_EQ(tok->encode("abab<|end|>", true, true), (std::vector<int32_t>{2, 2, 3}));
}

TEST(GgufTokenizerFactory, SpmDefaultsFollowLlama) {
  io::gguf::Writer w;
  w.set_string("tokenizer.ggml.model", "llama");
  w.set_string_array("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "\xE2\x96\x81" "a"});
  w.set_f32_array("tokenizer.ggml.scores", {0, 0, 0, -1});
  w.set_i32_array("tokenizer.ggml.token_type", {2, 3, 3, 1});
  const auto tok = tokenizer::make_gguf_tokenizer(*image(w, "spm.gguf"));
  EXPECT_EQ(tok->kind(), "spm");
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  EXPECT_TRUE(tok->add_bos_default());
  EXPECT_EQ(tok->encode("a", true), (std::vector<int32_t>{1, 3}));
  w.set_bool("tokenizer.ggml.add_bos_token", false);
  w.set_bool("tokenizer.ggml.add_space_prefix", false);
  const auto t2 = tokenizer::make_gguf_tokenizer(*image(w, "spm.gguf"));
  EXPECT_FALSE(t2->add_bos_default());
  EXPECT_EQ(t2->encode("a", false), (std::vector<int32_t>{0}));  // "a" alone is no piece, no byte tokens: unk
}

TEST(GgufTokenizerFactory, InconsistentMetadataNamesFileAndKey) {
  io::gguf::Writer w = tiny_bpe_writer();
  w.set_i32_array("tokenizer.ggml.token_type", {1, 1, 1});
  expect_error(w, "tokenizer.ggml.token_type");

  w = tiny_bpe_writer();
  w.set_string_array("tokenizer.ggml.merges", {"a b", "a zz"});
  expect_error(w, "tokenizer.ggml.merges[1]");

  w = tiny_bpe_writer();
  w.set_string("tokenizer.ggml.model", "rwkv");
  expect_error(w, "tokenizer.ggml.model");

  w = tiny_bpe_writer();
  w.set_string("tokenizer.ggml.pre", "no-such-pre");
  expect_error(w, "tokenizer.ggml.pre");

  w = tiny_bpe_writer();
  w.set_u32("tokenizer.ggml.eos_token_id", 4);
  expect_error(w, "tokenizer.ggml.eos_token_id");

  w = tiny_bpe_writer();
  w.set_f32_array("tokenizer.ggml.scores", {0, 0});
  expect_error(w, "tokenizer.ggml.scores");

  w = tiny_bpe_writer();
  w.set_bool("tokenizer.ggml.add_bos_token", true);  // but no bos_token_id
  expect_error(w, "tokenizer.ggml.add_bos_token");

  io::gguf::Writer none;
  none.set_string("general.architecture", "llama");
  expect_error(none, "tokenizer.ggml.model");

  io::gguf::Writer no_merges;
  no_merges.set_string("tokenizer.ggml.model", "gpt2");
  no_merges.set_string_array("tokenizer.ggml.tokens", {"a"});
  expect_error(no_merges, "tokenizer.ggml.merges");
}

TEST(GgufTokenizerFactory, ArbitraryBytesNeverCrashAndRoundTripWhereLossless) {
  const std::string dir = test::shared_dir() + "/vocab";
  if (!std::filesystem::exists(dir)) SINKSTREAM_SKIP_ABSENT(dir << " is absent: test needs ../shared/vocab");
  std::mt19937 rng(1234);
  for (const char* name : {"llama-spm", "gpt-2", "deepseek-coder", "bert-bge"}) {
    SCOPED_TRACE(name);
    const auto tok = tokenizer::make_gguf_tokenizer(*io::gguf::File::open(dir + "/ggml-vocab-" + name + ".gguf"));
    for (int round = 0; round < 30; ++round) {
      std::string s(static_cast<size_t>(rng() % 200), '\0');
      for (char& c : s) c = static_cast<char>(rng() % 256);
      const auto ids = tok->encode(s, false, round % 2 == 1);
      for (const int32_t id : ids) ASSERT_TRUE(id >= 0 && id < tok->vocab_size());
      // Not checked: WordPiece (normalizes) and deepseek-coder, whose added
      // tokens "ö", "ü", ... (its byte-level forms of 0xF6, 0xFC, ...) stand
      // both for that text and for those bytes, which never occur in UTF-8.
      const bool lossless = tok->kind() != "wordpiece" && std::string(name) != "deepseek-coder";
      if (lossless && round % 2 == 0) {
        EXPECT_EQ(tok->decode(ids), s);
      }
    }
  }
}

}  // namespace
}  // namespace sinkstream
