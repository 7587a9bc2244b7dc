// The llama2.c tokenizer: round trips, byte fallback, and the heap-based merge
// against a direct transcription of llama2.c's quadratic merge loop.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/paths.hpp"
#include "tokenizer/llama2c_tokenizer.hpp"
#include "tokenizer/utf8.hpp"

namespace sinkstream::test {
namespace {

// llama2.c run.c encode(), transcribed naively: O(n^2) merges, leftmost best pair.
std::vector<int32_t> naive_encode(const tokenizer::Llama2cTokenizer& tok, const std::string& text) {
  std::vector<int32_t> t{tok.bos_id()};
  if (text.empty()) return t;
  t.push_back(tok.lookup(" "));
  size_t i = 0;
  while (i < text.size()) {
    const size_t n = tokenizer::utf8_sequence_length(text, i);
    const int32_t id = tok.lookup(text.substr(i, n));
    if (id >= 0) t.push_back(id);
    else for (size_t b = 0; b < n; ++b) t.push_back(static_cast<unsigned char>(text[i + b]) + 3);
    i += n;
  }
  for (;;) {
    float best = -1e10f;
    int32_t best_id = -1;
    size_t best_i = 0;
    for (size_t k = 1; k + 1 < t.size(); ++k) {  // never merge BOS
      const int32_t id = tok.lookup(tok.piece(t[k]) + tok.piece(t[k + 1]));
      if (id >= 0 && tok.score(id) > best) {
        best = tok.score(id);
        best_id = id;
        best_i = k;
      }
    }
    if (best_id < 0) break;
    t[best_i] = best_id;
    t.erase(t.begin() + static_cast<std::ptrdiff_t>(best_i) + 1);
  }
  return t;
}

class SharedTexts : public ::testing::Test {
 protected:
  void SetUp() override { SINKSTREAM_REQUIRE_SHARED(); }
  tokenizer::Llama2cTokenizer tok_{stories_tokenizer(), 512};
};

TEST_F(SharedTexts, EveryTextRoundTrips) {
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(shared_dir() + "/text")) {
    if (e.path().extension() != ".txt") continue;
    const std::string text = read_file(e.path().string());
    const auto ids = tok_.encode(text, true);
    EXPECT_EQ(tok_.decode(ids), text) << e.path();
    EXPECT_LT(ids.size(), text.size()) << "merges did not compress " << e.path();
    ++files;
  }
  EXPECT_GE(files, 5u);
}

TEST_F(SharedTexts, HeapMergeEqualsLlama2cLoop) {
  for (const auto& e : std::filesystem::directory_iterator(shared_dir() + "/text")) {
    if (e.path().extension() != ".txt") continue;
    const std::string text = read_file(e.path().string()).substr(1000, 3000);
    EXPECT_EQ(tok_.encode(text, true), naive_encode(tok_, text)) << e.path();
  }
}

TEST_F(SharedTexts, ByteFallbackForCodePointsOutsideTheVocabulary) {
  const std::string text = "F\xC3\xBChrer \xF0\x9F\xA6\x99 \xD0\xBD\xD0\xB5\xD1\x89\xD0\xBE";  // "Führer 🦙 нещо"
  const auto ids = tok_.encode(text, false);
  EXPECT_EQ(tok_.decode(ids), text);
  const std::vector<int32_t> naive = naive_encode(tok_, text);
  EXPECT_EQ(ids, std::vector<int32_t>(naive.begin() + 1, naive.end()));  // same, without BOS
  // 🦙 is U+1F999, UTF-8 F0 9F A6 99: not a piece of a 512-token TinyStories
  // vocabulary, so its four bytes must appear as byte tokens <0xF0>.. (id = byte + 3).
  ASSERT_EQ(tok_.lookup("\xF0\x9F\xA6\x99"), -1);
  const std::vector<int32_t> llama{0xF0 + 3, 0x9F + 3, 0xA6 + 3, 0x99 + 3};
  EXPECT_NE(std::search(ids.begin(), ids.end(), llama.begin(), llama.end()), ids.end());
  // Every id is a byte token or a real piece; byte tokens only for code points the vocab lacks.
  for (const char* cp : {"\xC3\xBC", "\xD0\xBD", "\xD0\xB5", "\xD1\x89", "\xD0\xBE"}) {
    if (tok_.lookup(cp) >= 0) continue;
    const std::vector<int32_t> bytes{static_cast<unsigned char>(cp[0]) + 3, static_cast<unsigned char>(cp[1]) + 3};
    EXPECT_NE(std::search(ids.begin(), ids.end(), bytes.begin(), bytes.end()), ids.end()) << cp;
  }
}

TEST_F(SharedTexts, BosAndDummyPrefix) {
  const auto ids = tok_.encode("Once", true);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids[0], 1);
  EXPECT_EQ(tok_.piece(ids[1]).front(), ' ');  // dummy prefix merged into the first word
  EXPECT_EQ(tok_.encode("", true), std::vector<int32_t>{1});
  EXPECT_TRUE(tok_.encode("", false).empty());
}

TEST(Utf8StreamDecoder, NeverEmitsPartialSequences) {
  const std::string text = "a\xC3\xBC\xF0\x9F\xA6\x99\xD0\xBD!";
  Utf8StreamDecoder d;
  std::string out;
  std::vector<size_t> emitted_sizes;
  for (char ch : text) {
    const std::string piece = d.push(std::string(1, ch));
    out += piece;
    emitted_sizes.push_back(out.size());
  }
  out += d.flush();
  EXPECT_EQ(out, text);
  // After the 2nd byte of the 4-byte emoji nothing new may have been emitted.
  EXPECT_EQ(emitted_sizes[4], emitted_sizes[3]);
  EXPECT_EQ(emitted_sizes[5], emitted_sizes[3]);
  EXPECT_EQ(emitted_sizes[6], emitted_sizes[3] + 4);
}

TEST(Utf8StreamDecoder, InvalidBytesBecomeReplacementCharacters) {
  Utf8StreamDecoder d;
  EXPECT_EQ(d.push("\x80x"), "\xEF\xBF\xBDx");
  EXPECT_EQ(d.push("\xC3"), "");
  EXPECT_EQ(d.push("("), "\xEF\xBF\xBD(");
  EXPECT_EQ(d.push("\xE2\x82"), "");
  EXPECT_EQ(d.flush(), "\xEF\xBF\xBD");
}

}  // namespace
}  // namespace sinkstream::test
