// `sinkstream bench` end to end on stories260K: the JSON report has the keys
// it has always had, in order; --long reports 1K, 10K, ... and --long-max
// itself (also below 1K); the live-key count and K/V bytes follow from the
// policy's definition; --sample needs --long.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "sinkstream/model.hpp"
#include "support/paths.hpp"

namespace sinkstream::test {
namespace {

std::string bench_cmd(const std::string& args) {
  return binary() + " bench -m " + stories_model() + " -z " + stories_tokenizer() +
         " -t 1 --reps 1 --prompt 8 --decode 4 --depth 16 -c sink:4:8 --no-bandwidth " + args;
}

// Runs the bench with --json FILE: the report; its stdout in *out.
nlohmann::ordered_json bench_json(const std::string& args, std::string* out) {
  TempDir dir;
  const auto r = run_command(bench_cmd(args + " --json " + dir.file("b.json")));
  if (r.status != 0) throw std::runtime_error("bench " + args + " failed: " + r.err);
  *out = r.out;
  return nlohmann::ordered_json::parse(read_file(dir.file("b.json")));
}

std::vector<std::string> keys(const nlohmann::ordered_json& j) {
  std::vector<std::string> k;
  for (const auto& [key, value] : j.items()) k.push_back(key);
  return k;
}

TEST(BenchCli, LongReportsPowersOfTenAndTheLastPositionWithTheSameJsonKeys) {
  SINKSTREAM_REQUIRE_SHARED();
  std::string out;
  const auto j = bench_json("--long --long-max 1500", &out);
  // The keys (and their order) of the report before it was written with nlohmann-json,
  // plus "device" (cpu / cuda, issue #15).
  const std::vector<std::string> expected = {
      "model", "cache", "kv_type", "threads", "device", "simd", "reps", "prefill_tokens", "prefill_tokens_per_s",
      "prefill_tokens_per_cpu_s", "decode_tokens_per_cpu_s", "decode_depth", "decode_tokens", "decode_tokens_per_s",
      "kv_keys", "long", "peak_rss_mib", "weight_bytes_per_token", "kv_bytes_per_token"};
  EXPECT_EQ(keys(j), expected);
  EXPECT_EQ(j["cache"], "sink:4:8");
  EXPECT_EQ(j["threads"], 1);
  EXPECT_EQ(j["prefill_tokens"], 8);
  EXPECT_EQ(j["decode_depth"], 16);
  ASSERT_EQ(j["long"].size(), 2u);
  EXPECT_EQ(j["long"][0]["position"], 1000);
  EXPECT_EQ(j["long"][1]["position"], 1500);
  for (const auto& row : j["long"]) {
    EXPECT_GT(row["ms_per_token"].get<double>(), 0.0);
    EXPECT_GT(row["rss_mib"].get<double>(), 0.0);
  }
  // 16 context tokens + 2 x 4 decoded (warm-up and one repetition): 24 tokens,
  // of which sink:4:8 attends to 4 + 8; f32 K and V for each, in every layer.
  EXPECT_EQ(j["kv_keys"], 12);
  LoadOptions lo;
  lo.tokenizer_path = stories_tokenizer();
  const ModelConfig c = Model::load(stories_model(), lo)->config();
  EXPECT_DOUBLE_EQ(j["kv_bytes_per_token"].get<double>(), 1.0 * c.n_layer * 12 * c.n_head_kv * c.head_dim * 2 * 4);
  EXPECT_NE(out.find("long stream: 1500 tokens in "), std::string::npos) << out;
}

TEST(BenchCli, SampledLongStreamShorterThanOneThousandReportsItsEnd) {
  SINKSTREAM_REQUIRE_SHARED();
  std::string out;
  const auto j = bench_json("--long --long-max 300 --sample", &out);
  ASSERT_EQ(j["long"].size(), 1u);
  EXPECT_EQ(j["long"][0]["position"], 300);
  EXPECT_NE(out.find("sampled at temperature 1"), std::string::npos) << out;
}

TEST(BenchCli, SampleWithoutLongIsRefused) {
  const auto r = run_command(bench_cmd("--sample"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE((r.out + r.err).find("--long"), std::string::npos) << r.out << r.err;
}

}  // namespace
}  // namespace sinkstream::test
