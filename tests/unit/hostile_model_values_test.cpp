// Model-shape values from GGUF metadata and config.json: range-checked before
// any narrowing cast, and capped alike in both formats (head counts above 2^30
// used to overflow the ALiBi slopes in positions.cpp).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "io/gguf.hpp"
#include "model/formats/gguf_model.hpp"
#include "io/gguf_writer.hpp"
#include "model/formats/hf_config.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {
using sinkstream::model::formats::gguf_model_config;
using sinkstream::model::formats::parse_hf_config;

namespace {

// Metadata of a small llama; `extra` adds or overrides keys.
std::string gguf_config_error(const std::string& key, io::gguf::Value v) {
  io::gguf::Writer w;
  w.set_string("general.architecture", "llama");
  w.set_u32("llama.embedding_length", 256);
  w.set_u32("llama.block_count", 1);
  w.set_u32("llama.feed_forward_length", 512);
  w.set_u32("llama.attention.head_count", 2);
  if (!key.empty()) w.set(key, std::move(v));
  const std::vector<uint8_t> bytes = w.to_bytes();
  const auto f = io::gguf::File::parse(bytes.data(), bytes.size(), "meta.gguf");
  try {
    gguf_model_config(*f);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(HostileModelValues, GgufBaselineParses) { EXPECT_EQ(gguf_config_error("", io::gguf::Value::u32(0)), ""); }

TEST(HostileModelValues, GgufRopeDimensionAboveInt32IsNotTruncated) {
  // 2^32 + 64 would read as 64 after a cast to int32 (a valid rotary size).
  const std::string msg = gguf_config_error("llama.rope.dimension_count", io::gguf::Value::u64((uint64_t{1} << 32) + 64));
  EXPECT_NE(msg.find("rope.dimension_count"), std::string::npos) << msg;
  EXPECT_NE(msg.find("4294967360"), std::string::npos) << msg;
}

TEST(HostileModelValues, GgufSlidingWindowAboveInt32IsNotTruncated) {
  const std::string msg = gguf_config_error("llama.attention.sliding_window", io::gguf::Value::u64((uint64_t{1} << 32) + 5));
  EXPECT_NE(msg.find("sliding_window"), std::string::npos) << msg;
  EXPECT_NE(msg.find("4294967301"), std::string::npos) << msg;
}

TEST(HostileModelValues, GgufLayerWindowsAreCheckedPerLayer) {
  // block_count is 1: two windows, a negative one, are refused naming the key.
  const std::string two = gguf_config_error("llama.attention.layer_windows", io::gguf::Value::i32_array({8, 8}));
  EXPECT_NE(two.find("attention.layer_windows has 2 values for 1 layers"), std::string::npos) << two;
  const std::string neg = gguf_config_error("llama.attention.layer_windows", io::gguf::Value::i32_array({-3}));
  EXPECT_NE(neg.find("holds window -3"), std::string::npos) << neg;
  EXPECT_EQ(gguf_config_error("llama.attention.layer_windows", io::gguf::Value::i32_array({16})), "");
}

TEST(HostileModelValues, GgufAttentionScaleMustBeFinite) {
  const std::string msg = gguf_config_error("llama.attention.scale", io::gguf::Value::f32(-1.0f));
  EXPECT_NE(msg.find("attention.scale"), std::string::npos) << msg;
}

std::string hf_error(const std::string& json) {
  try {
    parse_hf_config(json, "config.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string llama(const std::string& layers, const std::string& heads, const std::string& hidden) {
  return R"({"model_type": "llama", "hidden_size": )" + hidden + R"(, "intermediate_size": 128, "num_hidden_layers": )" +
         layers + R"(, "num_attention_heads": )" + heads + R"(, "vocab_size": 512, "max_position_embeddings": 64})";
}

TEST(HostileModelValues, HfBaselineParses) {
  EXPECT_EQ(hf_error(llama("2", "4", "64")), "");
  EXPECT_EQ(hf_error(R"({"model_type": "mpt", "d_model": 48, "n_heads": 6, "n_layers": 2, "expansion_ratio": 1,
                         "vocab_size": 512, "max_seq_len": 64, "attn_config": {"alibi": true}})"),
            "");
}

TEST(HostileModelValues, HfLayerCountIsCappedLikeGguf) {
  // The GGUF reader refuses block_count 5000 (cap 4096); config.json must too.
  const std::string msg = hf_error(llama("5000", "4", "64"));
  EXPECT_NE(msg.find("config.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("5000"), std::string::npos) << msg;
  EXPECT_NE(msg.find("4096"), std::string::npos) << msg;
}

TEST(HostileModelValues, HfHeadCountAbove2To30IsRefused) {
  // An ALiBi (MPT) config with d_model = n_heads = 2^30 + 2: head_dim 1, every
  // product fits int32, but 2^30 + 2 heads overflow the ALiBi slope arithmetic
  // in positions.cpp (and exceed the GGUF cap of 4096 heads).
  const std::string n = std::to_string((int64_t{1} << 30) + 2);
  const std::string mpt = R"({"model_type": "mpt", "d_model": )" + n + R"(, "n_heads": )" + n +
                          R"(, "n_layers": 2, "expansion_ratio": 1, "vocab_size": 512, "max_seq_len": 64,
                              "attn_config": {"alibi": true}})";
  const std::string msg = hf_error(mpt);
  EXPECT_NE(msg.find(n), std::string::npos) << msg;
  EXPECT_NE(msg.find("4096"), std::string::npos) << msg;
}

TEST(HostileModelValues, HfHiddenSizeIsCapped) {
  const std::string msg = hf_error(llama("2", "4", std::to_string(int64_t{1} << 24)));
  EXPECT_NE(msg.find(std::to_string(int64_t{1} << 24)), std::string::npos) << msg;
}

}  // namespace
}  // namespace sinkstream
