// Tokenizer algorithms on tiny hand-built vocabularies; every expected id
// sequence below is worked out by hand from the merge rules in the comments.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "sinkstream/error.hpp"
#include "tokenizer/bpe_tokenizer.hpp"
#include "tokenizer/byte_level.hpp"
#include "tokenizer/gguf_tokenizer.hpp"
#include "tokenizer/regex_splitter.hpp"
#include "tokenizer/bpe_pretokenizers.hpp"
#include "tokenizer/spm_tokenizer.hpp"
#include "tokenizer/utf8.hpp"
#include "tokenizer/wordpiece_tokenizer.hpp"

namespace sinkstream {
namespace {

using Ids = std::vector<int32_t>;

// ---------------------------------------------------------------- byte level

TEST(ByteLevel, Gpt2MappingSpotValues) {
  EXPECT_EQ(tokenizer::byte_to_unicode(0x20), U'\u0120');  // ' ' -> 'Ġ'
  EXPECT_EQ(tokenizer::byte_to_unicode(0x0A), U'\u010A');  // '\n' -> 'Ċ'
  EXPECT_EQ(tokenizer::byte_to_unicode(0x00), U'\u0100');
  EXPECT_EQ(tokenizer::byte_to_unicode(0x21), U'!');
  EXPECT_EQ(tokenizer::byte_to_unicode(0x7E), U'~');
  EXPECT_EQ(tokenizer::byte_to_unicode(0x7F), U'\u0121');  // first byte after the 33 low ones
  EXPECT_EQ(tokenizer::byte_to_unicode(0xA0), U'\u0142');
  EXPECT_EQ(tokenizer::byte_to_unicode(0xAD), U'\u0143');  // soft hyphen: the last remapped byte
  EXPECT_EQ(tokenizer::byte_to_unicode(0xE9), U'\u00E9');
  EXPECT_EQ(tokenizer::unicode_to_byte(U'\u0120'), 0x20);
  EXPECT_EQ(tokenizer::unicode_to_byte(U'A'), 0x41);
  EXPECT_EQ(tokenizer::unicode_to_byte(U'\u0144'), -1);
  EXPECT_EQ(tokenizer::unicode_to_byte(U' '), -1);
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  std::string enc, dec;
  tokenizer::byte_level_encode(all, enc);
  ASSERT_TRUE(tokenizer::byte_level_decode(enc, dec));
  EXPECT_EQ(dec, all);
  std::string bad;
  EXPECT_FALSE(tokenizer::byte_level_decode("a b", bad));
}

TEST(Utf8, DecodeAndAppend) {
  const std::string s = "a\xC3\xA9\xE2\x96\x81\xF0\x9F\xA6\x99\xC3";  // a é ▁ 🦙 + truncated
  size_t i = 0;
  EXPECT_EQ(tokenizer::utf8_decode(s, i), U'a');
  EXPECT_EQ(tokenizer::utf8_decode(s, i), U'\u00E9');
  EXPECT_EQ(tokenizer::utf8_decode(s, i), U'\u2581');
  EXPECT_EQ(tokenizer::utf8_decode(s, i), U'\U0001F999');
  EXPECT_EQ(tokenizer::utf8_decode(s, i), tokenizer::kInvalidCodePoint);
  EXPECT_EQ(i, s.size());
  size_t j = 0;
  EXPECT_EQ(tokenizer::utf8_decode("\xC0\xAF", j), tokenizer::kInvalidCodePoint);  // overlong '/'
  // Character lengths follow the lead byte; a stray continuation is its own character.
  const std::string t = "\xE2\x96\x81\x91" "\xE2\x96" "a";
  EXPECT_EQ(tokenizer::utf8_char_length(t, 0), 3u);
  EXPECT_EQ(tokenizer::utf8_char_length(t, 3), 1u);
  EXPECT_EQ(tokenizer::utf8_char_length(t, 4), 1u);  // truncated sequence
  std::string out;
  for (const char32_t c : {U'a', U'\u00E9', U'\u2581', U'\U0001F999'}) tokenizer::utf8_append(out, c);
  EXPECT_EQ(out, s.substr(0, s.size() - 1));
}

// ---------------------------------------------------------------- regex splitter

std::vector<std::string> pieces(const tokenizer::RegexSplitter& rs, std::string_view text) {
  std::vector<std::string> r;
  for (const auto& [b, e] : rs.split(text)) r.emplace_back(text.substr(b, e - b));
  return r;
}

TEST(RegexSplitter, Gpt2Pattern) {
  const tokenizer::RegexSplitter rs({tokenizer::gpt2_pretokenizer_regex()}, "test");
  // "\s+(?!\S)" leaves the last space of a run to the following word.
  EXPECT_EQ(pieces(rs, "Hello world's   end!!\n"),
            (std::vector<std::string>{"Hello", " world", "'s", "  ", " end", "!!", "\n"}));
  EXPECT_EQ(pieces(rs, " 123abc"), (std::vector<std::string>{" 123", "abc"}));
  EXPECT_EQ(pieces(rs, "нещо на"), (std::vector<std::string>{"нещо", " на"}));
  EXPECT_TRUE(rs.split("").empty());
}

TEST(RegexSplitter, SequenceKeepsGapsAndSplitsFragmentsIndependently) {
  // First split out digit triples, then letters: gaps stay as fragments.
  const tokenizer::RegexSplitter rs({"[0-9]{3}", "\\p{L}+"}, "test");
  EXPECT_EQ(pieces(rs, "ab12345cd-"), (std::vector<std::string>{"ab", "123", "45", "cd", "-"}));
  // Look-aheads do not see past a fragment: "x" is followed by the end of its fragment.
  const tokenizer::RegexSplitter la({"[0-9]", "x(?!1)"}, "test");
  EXPECT_EQ(pieces(la, "x1"), (std::vector<std::string>{"x", "1"}));
}

TEST(RegexSplitter, InvalidUtf8NeverMatchesAndIsKept) {
  const tokenizer::RegexSplitter rs({"\\p{L}+"}, "test");
  EXPECT_EQ(pieces(rs, "ab\xFF" "cd"), (std::vector<std::string>{"ab", "\xFF", "cd"}));
}

TEST(RegexSplitter, BadPatternNamesWhatAndPattern) {
  try {
    tokenizer::RegexSplitter rs({"(unclosed"}, "vocab.gguf: tokenizer.ggml.pre \"x\"");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("vocab.gguf"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("(unclosed"), std::string::npos);
  }
}

TEST(BpePreTokenizers, KnownNamesCompileAndUnknownIsRejected) {
  for (const char* name : {"default", "gpt2", "gpt-2", "mpt", "gpt-neox", "llama-bpe", "qwen2", "falcon", "starcoder",
                           "refact", "deepseek-coder", "deepseek-llm"}) {
    const auto p = tokenizer::bpe_pretokenizer(name);
    ASSERT_TRUE(p.has_value()) << name;
    EXPECT_NO_THROW(tokenizer::RegexSplitter(p->regexes, name)) << name;
  }
  EXPECT_FALSE(tokenizer::bpe_pretokenizer("no-such-model").has_value());
  // llama3: digits in groups of three, contractions case-insensitive, newline runs apart.
  const tokenizer::RegexSplitter l3(tokenizer::bpe_pretokenizer("llama-bpe")->regexes, "llama3");
  EXPECT_EQ(pieces(l3, "I'M 12345\n\nok"), (std::vector<std::string>{"I", "'M", " ", "123", "45", "\n\n", "ok"}));
}

// ---------------------------------------------------------------- BPE

// Byte-level vocab: single characters a b c Ġ, merges in rank order.
tokenizer::VocabData tiny_bpe(std::vector<std::string> merges) {
  tokenizer::VocabData v;
  v.source = "tiny-bpe";
  v.model = tokenizer::VocabModel::kBpe;
  v.pre = "gpt2";
  //          0    1    2    3        4     5      6      7        8
  v.tokens = {"a", "b", "c", "\xC4\xA0", "ab", "bc", "abc", "\xC4\xA0" "ab", "<|end|>"};
  v.types.assign(v.tokens.size(), tokenizer::TokenType::kNormal);
  v.types[8] = tokenizer::TokenType::kControl;
  v.eos_id = 8;
  v.merges = std::move(merges);
  return v;
}

TEST(Bpe, MergesLowestRankFirst) {
  // "a b" (rank 0) beats "b c": abc -> ab c -> "ab c" -> abc.
  const tokenizer::BpeTokenizer t(tiny_bpe({"a b", "b c", "ab c"}));
  EXPECT_EQ(t.encode("abc", false), (Ids{6}));
  // "b c" first: a bc, and "a bc" is not a merge.
  const tokenizer::BpeTokenizer u(tiny_bpe({"b c", "a b", "ab c"}));
  EXPECT_EQ(u.encode("abc", false), (Ids{0, 5}));
  EXPECT_EQ(u.merge_rank(1, 2), 0);
  EXPECT_EQ(u.merge_rank(2, 1), -1);
}

TEST(Bpe, LeftmostOnEqualRankAndSpacesAreByteLevel) {
  const tokenizer::BpeTokenizer t(tiny_bpe({"a b", "\xC4\xA0 ab"}));
  // "abab": both pairs rank 0 -> ab ab. " ab ab" -> words " ab", " ab" -> Ġab Ġab.
  EXPECT_EQ(t.encode("abab", false), (Ids{4, 4}));
  EXPECT_EQ(t.encode(" ab ab", false), (Ids{7, 7}));
  EXPECT_EQ(t.decode({7, 7, 2}), " ab abc");
  // A character outside the vocabulary is dropped (no unk in this vocab).
  EXPECT_EQ(t.encode("axb", false), (Ids{0, 1}));
}

TEST(Bpe, SpecialTokensOnlyWhenParsed) {
  const tokenizer::BpeTokenizer t(tiny_bpe({"a b"}));
  EXPECT_EQ(t.encode("ab<|end|>", false, true), (Ids{4, 8}));
  // As plain text "<|end|>" has no tokens here and is dropped character by character.
  EXPECT_EQ(t.encode("ab<|end|>", false, false), (Ids{4}));
  EXPECT_EQ(t.decode({4, 8}), "ab");  // control tokens decode to nothing
  EXPECT_FALSE(t.add_bos_default());
}

TEST(Bpe, BadMetadataIsRejectedWithKey) {
  auto expect_error = [](tokenizer::VocabData v, const std::string& needle) {
    try {
      tokenizer::BpeTokenizer t(std::move(v));
      ADD_FAILURE() << "expected an error mentioning " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("tiny-bpe"), std::string::npos) << e.what();
    }
  };
  expect_error(tiny_bpe({"a b", "a z"}), "tokenizer.ggml.merges[1]");
  expect_error(tiny_bpe({"c a"}), "not a token");  // "ca" is not a token
  expect_error(tiny_bpe({"ab"}), "tokenizer.ggml.merges[0]");
  tokenizer::VocabData v = tiny_bpe({"a b"});
  v.types.pop_back();
  expect_error(v, "tokenizer.ggml.token_type");
  v = tiny_bpe({"a b"});
  v.pre = "klingon";
  expect_error(v, "tokenizer.ggml.pre");
  v = tiny_bpe({"a b"});
  v.bos_id = 99;
  expect_error(v, "tokenizer.ggml.bos_token_id");
  v = tiny_bpe({"a b"});
  v.tokens[5] = "ab";
  expect_error(v, "duplicates");
}

TEST(Bpe, LongInputWithoutSplitPointsIsNotQuadratic) {
  // 200k identical letters form one pre-token; merging is O(n log n).
  const tokenizer::BpeTokenizer t(tiny_bpe({"a b"}));
  std::string s;
  for (int i = 0; i < 100000; ++i) s += "ab";
  const Ids ids = t.encode(s, false);
  ASSERT_EQ(ids.size(), 100000u);
  EXPECT_EQ(ids.front(), 4);
  EXPECT_EQ(ids.back(), 4);
}

// ---------------------------------------------------------------- SPM

// <unk> <s> </s>, all 256 byte tokens, then scored pieces.
tokenizer::VocabData tiny_spm() {
  tokenizer::VocabData v;
  v.source = "tiny-spm";
  v.model = tokenizer::VocabModel::kSpm;
  v.tokens = {"<unk>", "<s>", "</s>"};
  v.types = {tokenizer::TokenType::kUnknown, tokenizer::TokenType::kControl, tokenizer::TokenType::kControl};
  v.scores = {0, 0, 0};
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    v.tokens.push_back(buf);
    v.types.push_back(tokenizer::TokenType::kByte);
    v.scores.push_back(0);
  }
  // id: 259    260  261  262  263  264    265   266     267          268      269
  for (const auto& [piece, score] : std::vector<std::pair<std::string, float>>{
           {"\xE2\x96\x81", -1}, {"h", -1}, {"e", -1}, {"l", -1}, {"o", -1}, {"he", -3}, {"ll", -2}, {"hell", -4},
           {"\xE2\x96\x81hell", -5}, {"<u>", 0}, {"\xE2\x96\x81o", -6}}) {
    v.tokens.push_back(piece);
    v.types.push_back(piece == "<u>" ? tokenizer::TokenType::kUserDefined : tokenizer::TokenType::kNormal);
    v.scores.push_back(score);
  }
  v.bos_id = 1;
  v.eos_id = 2;
  v.unk_id = 0;
  v.add_bos = true;
  return v;
}

TEST(Spm, HighestScoreMergesFirst) {
  const tokenizer::SpmTokenizer t(tiny_spm());
  // "▁hello": ll(-2) > he(-3) > hell(-4) > ▁hell(-5); "▁hello" and "hello" are not pieces.
  EXPECT_EQ(t.encode("hello", false), (Ids{267, 263}));
  EXPECT_EQ(t.encode("hello", true), (Ids{1, 267, 263}));
  // " o": "▁▁o" -> ▁ then ▁o (merges only to pieces).
  EXPECT_EQ(t.encode(" o", false), (Ids{259, 269}));
  EXPECT_EQ(t.decode({1, 267, 263}), "hello");
  EXPECT_EQ(t.decode({259, 269}), " o");
}

TEST(Spm, ByteFallbackAndRoundTrip) {
  const tokenizer::SpmTokenizer t(tiny_spm());
  // "é" = C3 A9 is no piece: bytes <0xC3> = 3 + 0xC3, <0xA9> = 3 + 0xA9.
  EXPECT_EQ(t.encode("\xC3\xA9", false), (Ids{259, 3 + 0xC3, 3 + 0xA9}));
  EXPECT_EQ(t.decode(t.encode("\xC3\xA9", false)), "\xC3\xA9");
  EXPECT_EQ(t.decode(t.encode("hello\nhe", false)), "hello\nhe");
}

TEST(Spm, UserDefinedTokensAlwaysSplitAndRestartThePrefix) {
  const tokenizer::SpmTokenizer t(tiny_spm());
  // "<u>" is matched even without parse_special; the text after it gets a dummy prefix again.
  EXPECT_EQ(t.encode("o<u>o", false), (Ids{269, 268, 269}));
  // "<s>" is control: plain text unless parse_special ("<", "s", ">" are bytes).
  EXPECT_EQ(t.encode("<s>o", false, true), (Ids{1, 269}));
  EXPECT_EQ(t.encode("<s>", false, false), (Ids{259, 3 + '<', 3 + 's', 3 + '>'}));
}

TEST(Spm, NoDummyPrefixWhenDisabled) {
  tokenizer::VocabData v = tiny_spm();
  v.add_space_prefix = false;
  const tokenizer::SpmTokenizer t(std::move(v));
  EXPECT_EQ(t.encode("hello", false), (Ids{266, 263}));  // hell o
  EXPECT_EQ(t.decode({266, 263}), "hello");
}

TEST(Spm, PiecesSpanningWordsStillMerge) {
  // Add "o▁" (-0.5) and "o▁o" (-0.1): in "▁o▁o" the best pair is o+▁ (ids 270),
  // then o▁+o -> "o▁o" (271); "▁o▁o" is no piece -> [▁, o▁o].
  tokenizer::VocabData v = tiny_spm();
  for (const auto& [piece, score] : std::vector<std::pair<std::string, float>>{
           {"o\xE2\x96\x81", -0.5f}, {"o\xE2\x96\x81o", -0.1f}}) {
    v.tokens.push_back(piece);
    v.types.push_back(tokenizer::TokenType::kNormal);
    v.scores.push_back(score);
  }
  const tokenizer::SpmTokenizer t(std::move(v));
  EXPECT_EQ(t.encode("o o", false), (Ids{259, 271}));
  // Without them each word merges on its own: ▁o ▁o.
  EXPECT_EQ(tokenizer::SpmTokenizer(tiny_spm()).encode("o o", false), (Ids{269, 269}));
}

// ---------------------------------------------------------------- WordPiece

tokenizer::VocabData tiny_wordpiece() {
  tokenizer::VocabData v;
  v.source = "tiny-bert";
  v.model = tokenizer::VocabModel::kWordPiece;
  const std::string w = "\xE2\x96\x81";  // word-initial marker
  //          0        1        2        3        4          5      6           7         8
  v.tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", w + "un", "aff", "able", w + ",", w + "cafe",
              // 9            10                 11
              w + "\xE6\x97\xA5", w + "\xE6\x9C\xAC", w + "ok"};
  v.types.assign(v.tokens.size(), tokenizer::TokenType::kNormal);
  for (int i = 0; i < 4; ++i) v.types[static_cast<size_t>(i)] = tokenizer::TokenType::kControl;
  v.unk_id = 1;
  v.bos_id = 2;
  v.sep_id = 3;
  v.add_bos = true;
  v.add_sep = true;
  return v;
}

TEST(WordPiece, GreedyLongestMatchLowercaseAndPunctuation) {
  const tokenizer::WordPieceTokenizer t(tiny_wordpiece());
  // "UnAffable," -> "unaffable" "," -> [▁un aff able] [▁,]; "okay" cannot be covered -> [UNK].
  EXPECT_EQ(t.encode("UnAffable, okay ok", false), (Ids{4, 5, 6, 7, 1, 11}));
  EXPECT_EQ(t.encode("ok", true), (Ids{2, 11, 3}));
  EXPECT_EQ(t.decode({2, 4, 5, 6, 7, 11, 3}), "unaffable , ok");
}

TEST(WordPiece, AccentsControlCharsAndCjk) {
  const tokenizer::WordPieceTokenizer t(tiny_wordpiece());
  // "Café" -> NFD "Cafe\u0301" -> drop Mn -> "cafe"; U+200B (Cf) vanishes; each CJK ideograph is a word.
  EXPECT_EQ(t.encode("Caf\xC3\xA9", false), (Ids{8}));
  EXPECT_EQ(t.encode("o\xE2\x80\x8Bk", false), (Ids{11}));
  EXPECT_EQ(t.encode("\xE6\x97\xA5\xE6\x9C\xAC", false), (Ids{9, 10}));
  EXPECT_EQ(t.encode("[CLS] ok", false, true), (Ids{2, 11}));
  // A word longer than 100 characters is [UNK] even if coverable.
  std::string longw = "un";
  for (int i = 0; i < 40; ++i) longw += "aff";
  EXPECT_EQ(t.encode(longw, false), (Ids{1}));
}

// ---------------------------------------------------------------- factory

TEST(VocabFactory, DispatchesOnModel) {
  EXPECT_EQ(tokenizer::make_vocab_tokenizer(tiny_spm())->kind(), "spm");
  EXPECT_EQ(tokenizer::make_vocab_tokenizer(tiny_bpe({"a b"}))->kind(), "bpe");
  EXPECT_EQ(tokenizer::make_vocab_tokenizer(tiny_wordpiece())->kind(), "wordpiece");
}

TEST(VocabFactory, ThreadSafeConcurrentEncode) {
  const auto t = tokenizer::make_vocab_tokenizer(tiny_bpe({"a b", "\xC4\xA0 ab"}));
  std::vector<std::thread> th;
  std::atomic<int> bad{0};
  for (int k = 0; k < 4; ++k) {
    th.emplace_back([&] {
      for (int i = 0; i < 200; ++i) bad += t->encode(" ab ab", false) != Ids{7, 7};
    });
  }
  for (auto& x : th) x.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace sinkstream
