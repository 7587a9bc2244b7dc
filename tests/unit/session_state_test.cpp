// Saved sessions: continuing from a saved state gives the same tokens as never
// stopping; corrupted or mismatched files are refused with a clear error.
#include <gtest/gtest.h>

#include "sinkstream/error.hpp"
#include "sinkstream/session.hpp"
#include "support/paths.hpp"

namespace sinkstream::test {
namespace {

std::shared_ptr<const Model> stories() {
  LoadOptions lo;
  lo.tokenizer_path = stories_tokenizer();
  return Model::load(stories_model(), lo);
}

SessionOptions sampled(const std::string& policy) {
  SessionOptions o;
  const bool f16 = policy.size() > 4 && policy.substr(policy.size() - 4) == "+f16";
  o.cache = CachePolicy::parse(f16 ? policy.substr(0, policy.size() - 4) : policy);
  o.kv_f16 = f16;
  o.threads = 1;
  o.batch = 8;
  o.sampler.temperature = 0.9f;
  o.sampler.top_p = 0.95f;
  o.sampler.repeat_penalty = 1.1f;
  o.sampler.seed = 1234;
  return o;
}

std::vector<int32_t> run(Session& s, int n) {
  std::vector<int32_t> out;
  for (int i = 0; i < n; ++i) {
    const int32_t t = s.sample();
    out.push_back(t);
    s.eval(t);
  }
  return out;
}

class StateRoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(StateRoundTrip, ContinuationEqualsNeverStopping) {
  SINKSTREAM_REQUIRE_SHARED();
  const auto m = stories();
  const std::vector<int32_t> prompt = m->tokenizer().encode("Once upon a time", true);
  // More tokens than the cache holds, so the ring has wrapped when we save.
  Session whole(m, sampled(GetParam()));
  whole.eval(prompt);
  const auto expected = run(whole, 300);

  TempDir d;
  Session first(m, sampled(GetParam()));
  first.eval(prompt);
  auto got = run(first, 170);
  first.save_state(d.file("s.state"));
  Session second(m, sampled(GetParam()));
  second.load_state(d.file("s.state"));
  EXPECT_EQ(second.position(), first.position());
  const auto rest = run(second, 130);
  got.insert(got.end(), rest.begin(), rest.end());
  EXPECT_EQ(got, expected);
}

INSTANTIATE_TEST_SUITE_P(Policies, StateRoundTrip,
                         ::testing::Values("sink:4:60", "window:64", "discard:4:30", "dense", "recompute:32",
                                           "sink:4:60+f16"));

class StateCorruption : public ::testing::Test {
 protected:
  void SetUp() override {
    SINKSTREAM_REQUIRE_SHARED();
    m_ = stories();
    Session s(m_, sampled("sink:4:60"));
    s.eval(m_->tokenizer().encode("Once upon a time", true));
    s.save_state(d_.file("good.state"));
    good_ = read_file(d_.file("good.state"));
  }
  std::string load_error(const std::string& bytes, const std::string& policy = "sink:4:60") {
    write_file(d_.file("bad.state"), bytes);
    try {
      Session s(m_, sampled(policy));
      s.load_state(d_.file("bad.state"));
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  std::shared_ptr<const Model> m_;
  TempDir d_;
  std::string good_;
};

TEST_F(StateCorruption, GoodFileLoads) { EXPECT_EQ(load_error(good_), ""); }

TEST_F(StateCorruption, FlippedByteFailsTheChecksum) {
  std::string b = good_;
  b[b.size() / 2] ^= 0x40;
  EXPECT_NE(load_error(b).find("checksum mismatch"), std::string::npos);
}

TEST_F(StateCorruption, TruncatedFile) {
  EXPECT_NE(load_error(good_.substr(0, good_.size() - 100)).find("truncated"), std::string::npos);
  EXPECT_NE(load_error(good_.substr(0, 10)).find("not a sinkstream state file"), std::string::npos);
  EXPECT_NE(load_error("").find("not a sinkstream state file"), std::string::npos);
}

TEST_F(StateCorruption, WrongVersion) {
  std::string b = good_;
  b[8] = 9;
  EXPECT_NE(load_error(b).find("version 9"), std::string::npos);
}

TEST_F(StateCorruption, OtherPolicyIsRefused) {
  EXPECT_NE(load_error(good_, "window:64").find("saved with cache sink:4:60"), std::string::npos);
}

TEST_F(StateCorruption, OtherKvTypeIsRefused) {
  EXPECT_NE(load_error(good_, "sink:4:60+f16").find("saved with f32 KV"), std::string::npos);
}

TEST_F(StateCorruption, MissingFile) {
  Session s(m_, sampled("sink:4:60"));
  EXPECT_THROW(s.load_state(d_.file("nope.state")), Error);
}

TEST(StateCli, ContinuedGenerationEqualsOneRun) {
  SINKSTREAM_REQUIRE_SHARED();
  TempDir d;
  const std::string base = binary() + " generate -m " + stories_model() + " --temp 0.9 --seed 99 --ignore-eos -t 1 --cache sink:4:60";
  const CommandResult whole = run_command(base + " -n 200");
  const CommandResult a = run_command(base + " -n 120 --state-out " + d.file("s"));
  const CommandResult b = run_command(binary() + " generate -m " + stories_model() +
                                      " --temp 0.9 --seed 99 --ignore-eos -t 1 -n 80 --state-in " + d.file("s"));
  ASSERT_EQ(whole.status, 0) << whole.err;
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  auto strip = [](std::string s) { return s.substr(0, s.size() - 1); };  // trailing newline
  EXPECT_EQ(strip(a.out) + strip(b.out), strip(whole.out));
}

}  // namespace
}  // namespace sinkstream::test
