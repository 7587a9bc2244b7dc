// `sinkstream sinks --ablate` runs on the HF fixture of every architecture
// family over the fixture's input tokens, and its JSON validates against
// docs/sinks.schema.json; its stream NLL equals the transformers logits'.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "sinkstream/model.hpp"
#include "support/paths.hpp"
#include "support/sinks_check.hpp"

namespace sinkstream::test {
namespace {

std::vector<std::string> fixture_dirs() {
  std::vector<std::string> dirs;
  for (const auto& e : std::filesystem::directory_iterator(source_dir() + "/tests/fixtures/hf")) {
    if (std::filesystem::exists(e.path() / "config.json")) dirs.push_back(e.path().string());
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

TEST(SinksArch, EveryFixtureRunsAndValidates) {
  const std::vector<std::string> dirs = fixture_dirs();
  ASSERT_GE(dirs.size(), 8u);
  for (const std::string& d : dirs) {
    SCOPED_TRACE(d);
    const auto model = Model::load(d);
    const ModelConfig& c = model->config();
    const std::vector<int32_t> ids =
        nlohmann::json::parse(read_file(d + "/tokens.json")).at("input").get<std::vector<int32_t>>();
    TempDir dir;
    write_ids(dir.file("ids.txt"), ids);
    const SinksRun run =
        run_sinks("-m " + d + " --ids " + dir.file("ids.txt") + " --first 2 --ablate -t 2 --png " + dir.file("h-"), dir);
    ASSERT_EQ(run.cmd.status, 0) << run.cmd.err;
    EXPECT_EQ(sinks_schema_errors(run.json), "");
    EXPECT_EQ(run.json["model"]["arch"], c.arch);
    EXPECT_EQ(run.json["heads"].size(), static_cast<size_t>(c.n_layer * c.n_head));
    EXPECT_EQ(run.json["ablation"]["heads"].size(), static_cast<size_t>(c.n_layer * c.n_head));
    EXPECT_EQ(read_file(dir.file("h-first_mass.png")).substr(1, 3), "PNG");
    EXPECT_EQ(read_file(dir.file("h-ablation.png")).substr(1, 3), "PNG");
    // The probe and hook leave the forward alone: the stream's NLL equals the
    // one from the transformers logits of the fixture (the HF oracle).
    const std::string bytes = read_file(d + "/logits.bin");
    std::vector<float> hf(bytes.size() / sizeof(float));
    std::memcpy(hf.data(), bytes.data(), hf.size() * sizeof(float));
    ASSERT_EQ(hf.size(), ids.size() * static_cast<size_t>(c.n_vocab));
    EXPECT_NEAR(run.json["stream"]["nll"].get<double>(), mean_nll(hf, ids, c.n_vocab), 1e-4);
  }
}

TEST(SinksArch, HeadStatisticsDoNotDependOnTheThreadCount) {
  // The per-head sums (first-key mass, entropy, sink-logit mass) are doubles
  // added in the order the probe sees the queries: the report must be the same
  // bits with 1, 2 and 3 threads. (Before the probe's heads went whole to one
  // thread each, qwen2's entropy moved by 1 ulp between runs with -t 2.)
  for (const std::string& d : fixture_dirs()) {
    SCOPED_TRACE(d);
    const std::vector<int32_t> ids =
        nlohmann::json::parse(read_file(d + "/tokens.json")).at("input").get<std::vector<int32_t>>();
    TempDir dir;
    write_ids(dir.file("ids.txt"), ids);
    nlohmann::json one;
    for (const int threads : {1, 2, 3, 2, 3}) {
      const SinksRun run =
          run_sinks("-m " + d + " --ids " + dir.file("ids.txt") + " --first 2 -t " + std::to_string(threads), dir);
      ASSERT_EQ(run.cmd.status, 0) << run.cmd.err;
      if (threads == 1) {
        one = run.json["heads"];
        continue;
      }
      // Compare the dumps: exact text of every double, not a tolerance.
      ASSERT_EQ(run.json["heads"].size(), one.size());
      for (size_t i = 0; i < one.size(); ++i) {
        EXPECT_EQ(run.json["heads"][i].dump(), one[i].dump()) << "head row " << i << ", " << threads << " threads";
      }
    }
  }
}

TEST(SinksSchema, ValidatorRejectsBrokenReports) {
  // The validator is what the other tests lean on: it must see missing fields,
  // wrong types, out-of-range values and unknown fields.
  TempDir dir;
  const auto model_dir = source_dir() + "/tests/fixtures/hf/llama";
  write_ids(dir.file("ids.txt"), std::vector<int32_t>{1, 2, 3, 4, 5, 6});
  const SinksRun run = run_sinks("-m " + model_dir + " --ids " + dir.file("ids.txt") + " --first 1", dir);
  ASSERT_EQ(run.cmd.status, 0) << run.cmd.err;
  ASSERT_EQ(sinks_schema_errors(run.json), "");
  auto broken = run.json;
  broken.erase("sink_rate");
  EXPECT_NE(sinks_schema_errors(broken).find("missing required field 'sink_rate'"), std::string::npos);
  broken = run.json;
  broken["heads"][0]["first_token_mass"] = 1.5;
  EXPECT_NE(sinks_schema_errors(broken).find("/heads/0/first_token_mass"), std::string::npos);
  broken = run.json;
  broken["stream"]["n_tokens"] = "6";
  EXPECT_NE(sinks_schema_errors(broken).find("expected integer"), std::string::npos);
  broken = run.json;
  broken["model"]["extra"] = 1;
  EXPECT_NE(sinks_schema_errors(broken).find("unexpected field 'extra'"), std::string::npos);
  broken = run.json;
  broken["schema"] = "sinkstream.sinks/2";
  EXPECT_NE(sinks_schema_errors(broken), "");
}

}  // namespace
}  // namespace sinkstream::test
