// `sinkstream ppl` on a tiny model of every architecture (the HF
// fixtures of tests/fixtures/hf, made with transformers): the command runs under
// every policy, and the first 47 dense NLLs equal those computed here from the
// logits transformers itself produced (logits.bin [48][vocab]).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/paths.hpp"

namespace sinkstream::test {
namespace {

std::string fixture_dir(const std::string& name) { return source_dir() + "/tests/fixtures/hf/" + name; }

// NLL column `col` (1-based after the token column) of an --nll-out CSV.
std::vector<double> csv_column(const std::string& text, size_t col) {
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);  // header
  std::vector<double> out;
  while (std::getline(in, line)) {
    std::stringstream ls(line);
    std::string f;
    for (size_t i = 0; i <= col; ++i) std::getline(ls, f, ',');
    out.push_back(std::strtod(f.c_str(), nullptr));
  }
  return out;
}

class PplArch : public ::testing::TestWithParam<const char*> {};

TEST_P(PplArch, RunsEveryPolicyAndDenseMatchesTransformers) {
  const std::string dir = fixture_dir(GetParam());
  const auto j = nlohmann::json::parse(read_file(dir + "/tokens.json"));
  std::vector<int32_t> ids = j.at("input").get<std::vector<int32_t>>();
  const std::string raw = read_file(dir + "/logits.bin");
  std::vector<float> hf(raw.size() / sizeof(float));  // [48][vocab]
  std::memcpy(hf.data(), raw.data(), hf.size() * sizeof(float));
  ASSERT_EQ(ids.size(), 48u);
  const size_t V = hf.size() / ids.size();
  // Extend to 300 tokens with a fixed LCG stream so that every window evicts.
  uint64_t x = 12345;
  while (ids.size() < 300) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    ids.push_back(static_cast<int32_t>((x >> 33) % V));
  }
  TempDir tmp;
  std::string text;
  for (const int32_t id : ids) text += std::to_string(id) + "\n";
  write_file(tmp.file("ids.txt"), text);
  const auto r = run_command(binary() + " ppl -m " + dir + " --ids " + tmp.file("ids.txt") +
                             " --cache dense,window:32,sink:4:28,recompute:32,discard:4:14 --bucket 100 --batch 8" +
                             " --threads 2 --nll-out " + tmp.file("nll.csv"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("sink:4:28"), std::string::npos) << r.out;
  const std::string csv = read_file(tmp.file("nll.csv"));
  const std::vector<double> dense = csv_column(csv, 1);
  ASSERT_EQ(dense.size(), 299u);
  double worst = 0;
  for (size_t t = 0; t + 1 < 48; ++t) {
    long double z = 0;
    for (size_t v = 0; v < V; ++v) z += std::exp(static_cast<long double>(hf[t * V + v]));
    const double ref = static_cast<double>(std::log(z) - hf[t * V + static_cast<size_t>(ids[t + 1])]);
    worst = std::max(worst, std::fabs(dense[t] - ref));
  }
  EXPECT_LE(worst, 1e-4) << GetParam();
  for (size_t c = 2; c <= 5; ++c) {
    const auto col = csv_column(csv, c);
    ASSERT_EQ(col.size(), 299u);
    for (const double v : col) ASSERT_TRUE(std::isfinite(v) && v >= 0) << "column " << c;
    // Before anything is evicted (the first 28 predictions) every policy sees the
    // whole prefix: the same NLLs as dense.
    for (size_t t = 0; t < 28; ++t) EXPECT_NEAR(col[t], dense[t], 1e-4) << "column " << c << " token " << t;
  }
}

INSTANTIATE_TEST_SUITE_P(RopeAndAlibi, PplArch,
                         ::testing::Values("llama", "llama_linear", "mistral", "qwen2", "qwen3", "gpt_neox",
                                           "gpt_neox_seq", "falcon", "mpt"));

TEST(PplArch, LearnedPositionsRefuseShiftingPoliciesClearly) {
  const std::string dir = fixture_dir("gpt2");
  TempDir tmp;
  std::string text;
  for (int i = 0; i < 40; ++i) text += std::to_string(i * 7 % 50) + " ";
  write_file(tmp.file("ids.txt"), text);
  const std::string cmd = binary() + " ppl -m " + dir + " --ids " + tmp.file("ids.txt") + " --bucket 10 --threads 1 ";
  EXPECT_EQ(run_command(cmd + "--cache dense,recompute:16").status, 0);
  const auto r = run_command(cmd + "--cache dense,sink:4:28");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("learned absolute positions"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.rfind("sinkstream: error: ", 0), 0u) << r.err;  // refused before dense ran: no progress lines
  EXPECT_TRUE(r.out.empty()) << r.out;
}

}  // namespace
}  // namespace sinkstream::test
