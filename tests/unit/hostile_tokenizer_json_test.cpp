// Hostile tokenizer.json files: deep nesting and huge ids are refused with a
// one-line sinkstream::Error before any recursion or allocation they would size.
#include <gtest/gtest.h>

#include <string>

#include "sinkstream/error.hpp"
#include "tokenizer/hf_tokenizer_json.hpp"

namespace sinkstream {
namespace {

// The error message of reading `json`, or "" when it is accepted.
std::string error_of(const std::string& json) {
  try {
    tokenizer::vocab_from_hf_json_text(json, "", "hostile.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string bpe_with(const std::string& vocab, const std::string& extra) {
  return R"({"model": {"type": "BPE", "vocab": )" + vocab + R"(, "merges": []}, )" + extra + "}";
}

const char* kByteLevel = R"({"type": "ByteLevel", "add_prefix_space": false, "use_regex": true})";

// `depth` Sequences, one inside the other, around a ByteLevel step.
std::string nested(const char* list_key, int depth, const std::string& leaf) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += std::string(R"({"type": "Sequence", ")") + list_key + R"(": [)";
  s += leaf;
  for (int i = 0; i < depth; ++i) s += "]}";
  return s;
}

TEST(HostileTokenizerJson, ShallowSequencesStillRead) {
  const std::string j = bpe_with(R"({"a": 0, "b": 1})", R"("pre_tokenizer": )" + nested("pretokenizers", 3, kByteLevel));
  EXPECT_EQ(error_of(j), "");
}

TEST(HostileTokenizerJson, DeepPreTokenizerSequenceIsRefused) {
  const std::string j = bpe_with(R"({"a": 0})", R"("pre_tokenizer": )" + nested("pretokenizers", 200000, kByteLevel));
  const std::string msg = error_of(j);
  EXPECT_NE(msg.find("hostile.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("pre_tokenizer"), std::string::npos) << msg;
  EXPECT_NE(msg.find("nested deeper than"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(HostileTokenizerJson, DeepNormalizerSequenceIsRefused) {
  const std::string j = bpe_with(R"({"a": 0})", R"("pre_tokenizer": )" + std::string(kByteLevel) +
                                                    R"(, "normalizer": )" + nested("normalizers", 200000, "null"));
  const std::string msg = error_of(j);
  EXPECT_NE(msg.find("normalizer"), std::string::npos) << msg;
  EXPECT_NE(msg.find("nested deeper than"), std::string::npos) << msg;
}

TEST(HostileTokenizerJson, HugeIdIsRefusedBeforeAllocating) {
  // Two tokens, one of them at id 2^31 - 1: 2^31 token strings would be ~64 GiB.
  const std::string j = bpe_with(R"({"a": 0, "b": 2147483647})", R"("pre_tokenizer": )" + std::string(kByteLevel));
  const std::string msg = error_of(j);
  EXPECT_NE(msg.find("2147483647"), std::string::npos) << msg;
  EXPECT_NE(msg.find("hostile.json"), std::string::npos) << msg;
}

TEST(HostileTokenizerJson, HugeAddedTokenIdIsRefused) {
  const std::string j = bpe_with(R"({"a": 0, "b": 1})", R"("pre_tokenizer": )" + std::string(kByteLevel) +
                                                            R"(, "added_tokens": [{"id": 100000000, "content": "<x>"}])");
  const std::string msg = error_of(j);
  EXPECT_NE(msg.find("100000000"), std::string::npos) << msg;
}

TEST(HostileTokenizerJson, NonIntegerIdsAreRefused) {
  // Found by tokenizer_json_fuzz: a float id (4.8e20) reached get<int64_t>(), which is
  // undefined behaviour out of range; in range, 1.5 was read as 1.
  for (const char* id : {"1.5", "4.8e20", "-0.5", "\"7\"", "18446744073709551615"}) {
    const std::string j =
        bpe_with(std::string(R"({"a": 0, "b": )") + id + "}", R"("pre_tokenizer": )" + std::string(kByteLevel));
    const std::string msg = error_of(j);
    EXPECT_NE(msg.find("model.vocab[\"b\"]"), std::string::npos) << id << ": " << msg;
  }
}

TEST(HostileTokenizerJson, SmallHolesInTheIdSpaceAreKept) {
  // Ids 0, 1 and 5: holes 2..4 are within the cap and read as unused tokens.
  const tokenizer::VocabData v = tokenizer::vocab_from_hf_json_text(
      bpe_with(R"({"a": 0, "b": 1, "c": 5})", R"("pre_tokenizer": )" + std::string(kByteLevel)), "", "holes.json");
  ASSERT_EQ(v.tokens.size(), 6u);
  EXPECT_EQ(v.tokens[5], "c");
  EXPECT_EQ(v.types[3], tokenizer::TokenType::kUnused);
}

}  // namespace
}  // namespace sinkstream
