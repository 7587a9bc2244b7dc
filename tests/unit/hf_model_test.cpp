// HF folder loading errors: a config that disagrees with the weights, missing
// files and tensors -- each error names the file and tensor at fault.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

#include "model/formats/hf_model.hpp"
#include "sinkstream/error.hpp"
#include "sinkstream/model.hpp"
#include "support/paths.hpp"

namespace sinkstream {
namespace {

using model::formats::HfModel;
using model::formats::load_hf_model;

namespace fs = std::filesystem;

// A copy of a fixture folder whose config.json is edited by `edit`.
std::string copy_fixture(const test::TempDir& dir, const std::string& name,
                         const std::function<void(nlohmann::json&)>& edit) {
  const fs::path src = fs::path(test::source_dir()) / "tests/fixtures/hf" / name;
  const fs::path dst = dir.path() / name;
  fs::create_directories(dst);
  fs::copy_file(src / "model.safetensors", dst / "model.safetensors");
  auto j = nlohmann::json::parse(test::read_file((src / "config.json").string()));
  edit(j);
  test::write_file((dst / "config.json").string(), j.dump());
  return dst.string();
}

std::string load_error(const std::string& folder) {
  try {
    load_hf_model(folder);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(HfModel, LoadsEveryFixtureWithTheExpectedLayout) {
  const HfModel neox = load_hf_model(test::source_dir() + "/tests/fixtures/hf/gpt_neox");
  EXPECT_EQ(neox.model_type, "gpt_neox");
  EXPECT_FALSE(neox.config.tied_embeddings);
  ASSERT_EQ(neox.weights.layers.size(), 2u);
  EXPECT_EQ(neox.weights.layers[0].wq.rows, 64);
  EXPECT_FALSE(neox.weights.layers[0].bq.empty());
  const HfModel falcon = load_hf_model(test::source_dir() + "/tests/fixtures/hf/falcon");
  EXPECT_TRUE(falcon.config.tied_embeddings);
  EXPECT_EQ(falcon.weights.output.data, falcon.weights.tok_embd.data);
  EXPECT_EQ(falcon.weights.layers[0].wk.rows, 16);
  EXPECT_TRUE(falcon.weights.layers[0].ffn_norm.empty());
  const HfModel qwen3 = load_hf_model(test::source_dir() + "/tests/fixtures/hf/qwen3");
  EXPECT_FALSE(qwen3.weights.layers[1].q_norm.empty());
}

TEST(HfModel, ShapeMismatchNamesTheTensor) {
  test::TempDir dir;
  const std::string f = copy_fixture(dir, "llama", [](nlohmann::json& j) { j["intermediate_size"] = 100; });
  const std::string e = load_error(f);
  EXPECT_NE(e.find("model.layers.0.mlp.gate_proj.weight"), std::string::npos) << e;
  EXPECT_NE(e.find("expected [100, 64]"), std::string::npos) << e;
}

TEST(HfModel, MissingTensorIsNamed) {
  test::TempDir dir;
  // qwen3 needs q/k norms; pretending the llama fixture is qwen3 must name the missing one.
  const std::string f = copy_fixture(dir, "llama", [](nlohmann::json& j) { j["model_type"] = "qwen3"; });
  const std::string e = load_error(f);
  EXPECT_NE(e.find("model.layers.0.self_attn.q_norm.weight' is missing"), std::string::npos) << e;
}

TEST(HfModel, MissingWeightsFileIsAnError) {
  test::TempDir dir;
  const fs::path p = dir.path() / "empty";
  fs::create_directories(p);
  test::write_file((p / "config.json").string(),
                   test::read_file(test::source_dir() + "/tests/fixtures/hf/gpt2/config.json"));
  EXPECT_THROW(load_hf_model(p.string()), Error);
  EXPECT_THROW(Model::load(dir.path().string()), Error);  // a folder without config.json
}

}  // namespace
}  // namespace sinkstream
