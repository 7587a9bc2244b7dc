// config.json parsing: both dialects, every family's defaults and aliases, and
// errors that name the field at fault. Values are the ones the HF fixtures'
// configs hold (tests/fixtures/hf/manifest.json shows how HF read them).
#include <gtest/gtest.h>

#include <string>

#include "model/formats/hf_config.hpp"
#include "sinkstream/error.hpp"
#include "support/paths.hpp"

namespace sinkstream {
namespace {

using model::formats::load_hf_config;
using model::formats::parse_hf_config;

ModelConfig parse(const std::string& json) { return parse_hf_config(json, "config.json").config; }

// The error message of parsing `json`, or "" when it parses.
std::string error_of(const std::string& json, ErrorKind* kind = nullptr) {
  try {
    parse(json);
  } catch (const Error& e) {
    if (kind != nullptr) *kind = e.kind();
    return e.what();
  }
  return "";
}

const char* kLlamaBase =
    R"("model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
       "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 512, "rms_norm_eps": 1e-5)";

std::string llama_with(const std::string& extra) { return std::string("{") + kLlamaBase + extra + "}"; }

TEST(HfConfig, LlamaNewDialectLlama3Scaling) {
  const ModelConfig c = parse(llama_with(R"(, "rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0,
      "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192})"));
  EXPECT_EQ(c.arch, "llama");
  EXPECT_EQ(c.n_head_kv, 2);
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_EQ(c.n_rot, 16);
  EXPECT_EQ(c.rope_layout, RopeLayout::kHalves);
  EXPECT_DOUBLE_EQ(c.rope_theta, 500000.0);
  EXPECT_EQ(c.rope_scaling.kind, RopeScalingKind::kLlama3);
  EXPECT_DOUBLE_EQ(c.rope_scaling.factor, 8.0);
  EXPECT_EQ(c.rope_scaling.original_context, 8192);
  EXPECT_FLOAT_EQ(c.norm_eps, 1e-5f);
  EXPECT_FALSE(c.tied_embeddings);
}

TEST(HfConfig, LlamaOldDialectLinearScalingWithTypeKey) {
  const ModelConfig c =
      parse(llama_with(R"(, "rope_theta": 50000, "rope_scaling": {"type": "linear", "factor": 4}, "head_dim": 8)"));
  EXPECT_DOUBLE_EQ(c.rope_theta, 50000.0);
  EXPECT_EQ(c.rope_scaling.kind, RopeScalingKind::kLinear);
  EXPECT_DOUBLE_EQ(c.rope_scaling.factor, 4.0);
  EXPECT_EQ(c.head_dim, 8);
  EXPECT_EQ(c.n_rot, 8);
}

TEST(HfConfig, RopeParametersWinOverTopLevelKeys) {
  const ModelConfig c = parse(llama_with(R"(, "rope_theta": 1.0, "rope_parameters": {"rope_theta": 20000.0})"));
  EXPECT_DOUBLE_EQ(c.rope_theta, 20000.0);
  EXPECT_EQ(c.rope_scaling.kind, RopeScalingKind::kNone);
}

TEST(HfConfig, DefaultsWithoutRopeKeys) {
  const ModelConfig c = parse(llama_with(""));
  EXPECT_DOUBLE_EQ(c.rope_theta, 10000.0);
  EXPECT_EQ(c.rope_scaling.kind, RopeScalingKind::kNone);
  EXPECT_EQ(c.n_head_kv, 2);
}

TEST(HfConfig, MistralIsLlamaWithItsWindow) {
  const ModelConfig c = parse(R"({"model_type": "mistral", "hidden_size": 64, "intermediate_size": 160,
      "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 32,
      "vocab_size": 512, "rope_theta": 1000000.0, "sliding_window": 4096})");
  EXPECT_EQ(c.arch, "llama");
  EXPECT_EQ(c.q_dim(), 128);
  EXPECT_EQ(c.sliding_window, 4096);
  EXPECT_DOUBLE_EQ(c.rope_theta, 1e6);
}

TEST(HfConfig, QwenFlags) {
  const std::string body = R"("hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
      "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 512, "rope_theta": 1000000.0,
      "rope_scaling": null, "use_sliding_window": false, "sliding_window": 4096)";
  const ModelConfig q2 = parse(std::string(R"({"model_type": "qwen2", )") + body + "}");
  EXPECT_EQ(q2.arch, "qwen2");
  EXPECT_TRUE(q2.attn_bias);
  EXPECT_FALSE(q2.qk_norm);
  EXPECT_EQ(q2.sliding_window, 0);
  const ModelConfig q3 = parse(std::string(R"({"model_type": "qwen3", "head_dim": 32, )") + body + "}");
  EXPECT_EQ(q3.arch, "qwen3");
  EXPECT_TRUE(q3.qk_norm);
  EXPECT_FALSE(q3.attn_bias);
  EXPECT_EQ(q3.head_dim, 32);
}

const char* kNeoxBase = R"("model_type": "gpt_neox", "hidden_size": 64, "intermediate_size": 256,
    "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 512, "hidden_act": "gelu")";

TEST(HfConfig, NeoxOldDialect) {
  const ModelConfig c = parse(std::string("{") + kNeoxBase + R"(, "rotary_emb_base": 20000, "rotary_pct": 0.25})");
  EXPECT_EQ(c.arch, "gptneox");
  EXPECT_DOUBLE_EQ(c.rope_theta, 20000.0);
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_EQ(c.n_rot, 4);
  EXPECT_TRUE(c.parallel_residual);
  EXPECT_EQ(c.norm, NormKind::kLayer);
  EXPECT_EQ(c.ffn, FfnKind::kGeluErf);
  EXPECT_FALSE(c.tied_embeddings);
}

TEST(HfConfig, NeoxNewDialectAndDefaults) {
  const ModelConfig c = parse(std::string("{") + kNeoxBase +
                              R"(, "use_parallel_residual": false,
      "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "partial_rotary_factor": 0.5}})");
  EXPECT_EQ(c.n_rot, 8);
  EXPECT_FALSE(c.parallel_residual);
  const ModelConfig d = parse(std::string("{") + kNeoxBase + "}");
  EXPECT_EQ(d.n_rot, 4);  // rotary_pct defaults to 0.25
  EXPECT_DOUBLE_EQ(d.rope_theta, 10000.0);
}

TEST(HfConfig, FalconMultiQueryAndAliases) {
  const ModelConfig c = parse(R"({"model_type": "falcon", "hidden_size": 64, "n_layer": 2, "n_head": 4,
      "num_kv_heads": 4, "multi_query": true, "parallel_attn": true, "new_decoder_architecture": false,
      "bias": false, "alibi": false, "vocab_size": 512})");
  EXPECT_EQ(c.arch, "falcon");
  EXPECT_EQ(c.n_layer, 2);
  EXPECT_EQ(c.n_head, 4);
  EXPECT_EQ(c.n_head_kv, 1);
  EXPECT_EQ(c.n_ff, 256);
  EXPECT_TRUE(c.parallel_residual);
  EXPECT_TRUE(c.tied_embeddings);
  EXPECT_EQ(c.n_rot, 16);
}

TEST(HfConfig, MptAlibi) {
  const ModelConfig c = parse(R"({"model_type": "mpt", "d_model": 48, "n_heads": 6, "n_layers": 2,
      "expansion_ratio": 4, "max_seq_len": 128, "vocab_size": 384, "no_bias": true,
      "attn_config": {"alibi": true, "alibi_bias_max": 8, "softmax_scale": null, "clip_qkv": null}})");
  EXPECT_EQ(c.positions, PositionKind::kAlibi);
  EXPECT_FLOAT_EQ(c.alibi_max_bias, 8.0f);
  EXPECT_EQ(c.n_ff, 192);
  EXPECT_EQ(c.head_dim, 8);
  EXPECT_FLOAT_EQ(c.attn_scale, 0.0f);
}

TEST(HfConfig, Gpt2LearnedPositions) {
  const ModelConfig c = parse(R"({"model_type": "gpt2", "n_embd": 64, "n_head": 4, "n_layer": 2,
      "n_positions": 128, "n_inner": null, "vocab_size": 512, "activation_function": "gelu_new"})");
  EXPECT_EQ(c.positions, PositionKind::kLearned);
  EXPECT_EQ(c.n_ctx_train, 128);
  EXPECT_EQ(c.n_ff, 256);
  EXPECT_EQ(c.ffn, FfnKind::kGelu);
}

TEST(HfConfig, EveryFixtureConfigParses) {
  for (const char* n : {"llama", "llama_linear", "mistral", "qwen2", "qwen3", "gpt_neox", "gpt_neox_seq", "falcon",
                        "mpt", "gpt2"}) {
    SCOPED_TRACE(n);
    EXPECT_NO_THROW(load_hf_config(test::source_dir() + "/tests/fixtures/hf/" + n + "/config.json"));
  }
}

TEST(HfConfig, ErrorsNameTheField) {
  ErrorKind k{};
  EXPECT_NE(error_of("{not json", &k).find("config.json: not valid JSON"), std::string::npos);
  EXPECT_EQ(k, ErrorKind::kFormat);
  EXPECT_NE(error_of("[1, 2]").find("top level"), std::string::npos);
  EXPECT_NE(error_of(R"({"hidden_size": 4})").find("'model_type' is missing"), std::string::npos);
  EXPECT_NE(error_of(R"({"model_type": "bloom"})", &k).find("'bloom' is not supported"), std::string::npos);
  EXPECT_EQ(k, ErrorKind::kUnsupported);
  EXPECT_NE(error_of(R"({"model_type": "llama", "hidden_size": 64})").find("'intermediate_size' is missing"),
            std::string::npos);
  EXPECT_NE(error_of(llama_with(R"(, "vocab_size": "many")")).find("'vocab_size' must be an integer"),
            std::string::npos);
  EXPECT_NE(error_of(llama_with(R"(, "num_key_value_heads": 3)")).find("'num_key_value_heads'"), std::string::npos);
  EXPECT_NE(error_of(llama_with(R"(, "num_attention_heads": -4)")).find("'num_attention_heads' must be a positive"),
            std::string::npos);
  EXPECT_NE(error_of(llama_with(R"(, "rope_scaling": {"type": "dynamic", "factor": 4})"), &k)
                .find("'rope_scaling.rope_type' 'dynamic' is not supported"),
            std::string::npos);
  EXPECT_EQ(k, ErrorKind::kUnsupported);
  EXPECT_NE(error_of(llama_with(R"(, "rope_parameters": {"rope_type": "linear"})")).find("'rope_parameters.factor'"),
            std::string::npos);
  EXPECT_NE(error_of(llama_with(R"(, "rope_parameters": {"rope_type": "yarn", "factor": 4})"))
                .find("'original_max_position_embeddings' is missing"),
            std::string::npos);
  EXPECT_NE(error_of(llama_with(R"(, "rope_parameters": {"rope_type": "llama3", "factor": 8})"))
                .find("'rope_parameters.low_freq_factor' is missing"),
            std::string::npos);
  EXPECT_NE(error_of(llama_with(R"(, "rope_parameters": {"full_attention": {"rope_type": "default"}})"))
                .find("per-layer-type"),
            std::string::npos);
  EXPECT_NE(error_of(llama_with(R"(, "partial_rotary_factor": 0.01)")).find("'partial_rotary_factor'"),
            std::string::npos);
  EXPECT_NE(error_of(llama_with(R"(, "hidden_act": "relu")")).find("'hidden_act' 'relu'"), std::string::npos);
  EXPECT_NE(error_of(R"({"model_type": "falcon", "hidden_size": 64, "num_hidden_layers": 2,
      "num_attention_heads": 4, "vocab_size": 8, "new_decoder_architecture": true})")
                .find("'new_decoder_architecture'"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"model_type": "mpt", "d_model": 48, "n_heads": 6, "n_layers": 2, "vocab_size": 8,
      "attn_config": {"alibi": false}})")
                .find("'attn_config.alibi'"),
            std::string::npos);
}

TEST(HfConfig, MissingFileIsAnIoError) {
  try {
    load_hf_config("/nonexistent/config.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/config.json"), std::string::npos);
  }
}

}  // namespace
}  // namespace sinkstream
