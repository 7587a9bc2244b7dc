// Saved states across processes, for every cache policy and both KV types:
// `generate --state-out` in one process, `--state-in` in another, equals one
// process running straight through (same seed, sampled at temperature 0.9).
// The cache is smaller than the stream, so every ring has wrapped at the save.
#include <gtest/gtest.h>

#include <string>

#include "support/paths.hpp"

namespace sinkstream::test {
namespace {

struct Case {
  const char* policy;
  const char* kv_type;
};

class StateCliRoundTrip : public ::testing::TestWithParam<Case> {};

TEST_P(StateCliRoundTrip, TwoProcessesEqualOne) {
  SINKSTREAM_REQUIRE_SHARED();
  const Case c = GetParam();
  TempDir d;
  const std::string common = binary() + " generate -m " + stories_model() + " -z " + stories_tokenizer() +
                             " --temp 0.9 --seed 4242 --ignore-eos -t 1 -b 8 --kv-type " + c.kv_type;
  const std::string cache = std::string(" --cache ") + c.policy;
  const CommandResult whole = run_command(common + cache + " -n 160");
  const CommandResult first = run_command(common + cache + " -n 100 --state-out " + d.file("s.state"));
  // The second process takes the policy from the file (no --cache).
  const CommandResult second = run_command(common + " -n 60 --state-in " + d.file("s.state"));
  ASSERT_EQ(whole.status, 0) << whole.err;
  ASSERT_EQ(first.status, 0) << first.err;
  ASSERT_EQ(second.status, 0) << second.err;
  auto strip = [](const std::string& s) { return s.substr(0, s.size() - 1); };  // trailing newline
  EXPECT_GT(whole.out.size(), 200u);
  EXPECT_EQ(strip(first.out) + strip(second.out), strip(whole.out));
}

INSTANTIATE_TEST_SUITE_P(
    PoliciesAndKvTypes, StateCliRoundTrip,
    ::testing::Values(Case{"dense", "f32"}, Case{"dense", "f16"}, Case{"window:48", "f32"}, Case{"window:48", "f16"},
                      Case{"sink:4:44", "f32"}, Case{"sink:4:44", "f16"}, Case{"recompute:40", "f32"},
                      Case{"recompute:40", "f16"}, Case{"discard:4:20", "f32"}, Case{"discard:4:20", "f16"}),
    [](const ::testing::TestParamInfo<Case>& i) {
      std::string n = std::string(i.param.policy) + "_" + i.param.kv_type;
      for (char& ch : n) {
        if (ch == ':') ch = '_';
      }
      return n;
    });

}  // namespace
}  // namespace sinkstream::test
