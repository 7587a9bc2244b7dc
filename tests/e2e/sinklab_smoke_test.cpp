// The sinklab CI smoke test: the PyTorch trainer (Debian's python3-torch, CPU)
// trains each attention variant for a few steps, exports GGUF and dumps its own
// forward's logits; sinkstream loads each file and must reproduce those logits
// to 1e-4 (softmax, sink-token, softmax-off-by-one, learned sink logit, gate).
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "sinkstream/model.hpp"
#include "sinkstream/session.hpp"
#include "support/paths.hpp"

namespace sinkstream::test {
namespace {

// Debian's interpreter, which has python3-torch (scripts/bootstrap installs it);
// a python3 earlier in PATH (pyenv, venv) may not.
constexpr const char* kPython = "/usr/bin/python3";

class SinklabSmoke : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const CommandResult probe = run_command(std::string(kPython) + " -c 'import torch, numpy'");
    ASSERT_EQ(probe.status, 0) << "Debian's python3-torch is missing (run scripts/bootstrap): " << probe.err;
    const CommandResult r = run_command(std::string(kPython) + " " + source_dir() +
                                        "/tools/sinklab/smoke_test.py --out " + dir_->path().string());
    ASSERT_EQ(r.status, 0) << r.out << r.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static TempDir* dir_;
};
TempDir* SinklabSmoke::dir_ = nullptr;

void check_variant(const std::string& dir, const std::string& variant) {
  const auto j = nlohmann::json::parse(read_file(dir + "/logits-" + variant + ".json"));
  const auto ids = j.at("ids").get<std::vector<int32_t>>();
  const auto want = j.at("logits").get<std::vector<std::vector<float>>>();
  const auto m = Model::load(dir + "/sinklab-" + variant + ".gguf");
  SessionOptions so;
  so.threads = 1;
  Session s(m, so);
  std::vector<float> got;
  s.eval_all(ids, &got);
  const size_t V = static_cast<size_t>(m->config().n_vocab);
  ASSERT_EQ(want.size(), ids.size());
  float worst = 0;
  for (size_t t = 0; t < ids.size(); ++t) {
    ASSERT_EQ(want[t].size(), V);
    for (size_t i = 0; i < V; ++i) worst = std::max(worst, std::fabs(got[t * V + i] - want[t][i]));
  }
  EXPECT_LE(worst, 1e-4f) << variant;
  std::printf("[ %s ] max |dlogit| vs PyTorch = %.3g\n", variant.c_str(), static_cast<double>(worst));
}

TEST_F(SinklabSmoke, Softmax) { check_variant(dir_->path().string(), "softmax"); }
TEST_F(SinklabSmoke, SinkToken) { check_variant(dir_->path().string(), "sink-token"); }
TEST_F(SinklabSmoke, SoftmaxOne) { check_variant(dir_->path().string(), "softmax1"); }
TEST_F(SinklabSmoke, SinkLogit) { check_variant(dir_->path().string(), "sink-logit"); }
TEST_F(SinklabSmoke, Gate) { check_variant(dir_->path().string(), "gate"); }

}  // namespace
}  // namespace sinkstream::test
