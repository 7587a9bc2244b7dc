// Streaming perplexity on stories260K: the NLL against a log-sum-exp written
// here in long double over token-by-token logits, piece boundaries, progress,
// and the cache memory estimate against the bytes real sessions allocate.
#include <gtest/gtest.h>

#include <cmath>

#include "eval/memory_budget.hpp"
#include "eval/stream_ppl.hpp"
#include "sinkstream/error.hpp"
#include "sinkstream/session.hpp"
#include "support/paths.hpp"

namespace sinkstream {
namespace {

std::shared_ptr<const Model> stories() {
  LoadOptions lo;
  lo.tokenizer_path = test::stories_tokenizer();
  return Model::load(test::stories_model(), lo);
}

std::vector<int32_t> shakespeare(const Model& m, size_t n) {
  std::vector<int32_t> ids =
      m.tokenizer().encode(test::read_file(test::shared_dir() + "/text/tinyshakespeare.txt").substr(0, n * 6), true);
  ids.resize(std::min(ids.size(), n));
  return ids;
}

// -log softmax(logits)[target], straight from the definition in long double.
double reference_nll(std::span<const float> logits, int32_t target) {
  long double z = 0;
  for (const float l : logits) z += std::exp(static_cast<long double>(l));
  return static_cast<double>(-std::log(std::exp(static_cast<long double>(logits[static_cast<size_t>(target)])) / z));
}

TEST(TokenNll, HandValuesAndOverflowSafety) {
  const std::vector<float> uniform(4, 0.0f);
  EXPECT_NEAR(eval::token_nll(uniform, 2), std::log(4.0), 1e-15);
  const std::vector<float> two = {0.0f, static_cast<float>(std::log(3.0))};  // p = 1/4, 3/4
  EXPECT_NEAR(eval::token_nll(two, 1), std::log(4.0 / 3.0), 1e-7);
  EXPECT_NEAR(eval::token_nll(two, 0), std::log(4.0), 1e-7);
  const std::vector<float> huge = {1000.0f, 1000.0f, -1000.0f};  // exp(1000) overflows a double
  EXPECT_NEAR(eval::token_nll(huge, 0), std::log(2.0), 1e-12);
  EXPECT_TRUE(std::isfinite(eval::token_nll(huge, 2)));
  EXPECT_NEAR(eval::token_nll(huge, 2), 2000 + std::log(2.0), 1e-9);
  EXPECT_THROW(eval::token_nll(uniform, 4), Error);
  EXPECT_THROW(eval::token_nll(uniform, -1), Error);
}

TEST(StreamPpl, MatchesTokenByTokenLogitsForEveryPieceSize) {
  SINKSTREAM_REQUIRE_SHARED();
  const auto m = stories();
  const auto ids = shakespeare(*m, 150);
  ASSERT_EQ(ids.size(), 150u);
  const CachePolicy policy = CachePolicy::parse("sink:4:28");
  // Oracle: one Session::eval per token, NLL from the definition.
  std::vector<double> ref;
  {
    SessionOptions so;
    so.cache = policy;
    so.threads = 2;
    Session s(m, so);
    for (size_t t = 0; t + 1 < ids.size(); ++t) ref.push_back(reference_nll(s.eval(ids[t]), ids[t + 1]));
  }
  for (const int64_t piece : {int64_t{1}, int64_t{7}, int64_t{64}, int64_t{1000}}) {
    eval::StreamPplOptions o;
    o.policies = {policy, CachePolicy::parse("dense")};
    o.threads = 2;
    o.batch = 16;
    o.piece = piece;
    int64_t calls = 0, last_done = 0;
    o.progress = [&](const eval::StreamProgress& p) {
      ++calls;
      EXPECT_EQ(p.total, 149);
      EXPECT_EQ(p.n_policies, 2u);
      if (p.policy_index == 0) {
        EXPECT_GT(p.done, last_done);
        last_done = p.done;
      }
    };
    const auto runs = eval::evaluate_stream(m, ids, o);
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_EQ(runs[0].policy, "sink:4:28");
    ASSERT_EQ(runs[0].nll.size(), 149u);
    double worst = 0;
    for (size_t i = 0; i < ref.size(); ++i) worst = std::max(worst, std::fabs(runs[0].nll[i] - ref[i]));
    EXPECT_LE(worst, 1e-4) << "piece " << piece;
    EXPECT_EQ(last_done, 149);
    EXPECT_EQ(calls, 2 * ((149 + piece - 1) / piece));
    EXPECT_GT(runs[0].tokens_per_s, 0);
    EXPECT_GT(runs[0].cache_bytes, 0u);
  }
}

TEST(StreamPpl, RejectsStreamsWithNothingToPredict) {
  SINKSTREAM_REQUIRE_SHARED();
  const auto m = stories();
  eval::StreamPplOptions o;
  o.policies = {CachePolicy::parse("dense")};
  const std::vector<int32_t> one = {1};
  EXPECT_THROW(eval::evaluate_stream(m, one, o), Error);
  const std::vector<int32_t> bad = {1, 2, 512};
  EXPECT_THROW(eval::evaluate_stream(m, bad, o), Error);  // the session refuses ids outside the vocabulary
}

TEST(MemoryBudget, EstimateEqualsWhatSessionsAllocate) {
  SINKSTREAM_REQUIRE_SHARED();
  const auto m = stories();
  const auto ids = shakespeare(*m, 600);  // > 512: the dense cache doubles once
  ASSERT_EQ(ids.size(), 600u);
  for (const char* spec : {"dense", "window:100", "sink:4:124", "recompute:50", "discard:4:62"}) {
    for (const int32_t batch : {5, 32}) {
      SessionOptions so;
      so.cache = CachePolicy::parse(spec);
      so.batch = batch;
      so.threads = 1;
      Session s(m, so);
      // Dense needs > 512 tokens to double; the others only need to evict.
      const std::string name = spec;
      const size_t n = name == "dense" ? ids.size() : name.rfind("recompute", 0) == 0 ? 60 : 260;
      s.eval(std::span<const int32_t>(ids.data(), n));
      EXPECT_EQ(eval::cache_bytes_needed(m->config(), so.cache, static_cast<int64_t>(n), batch, false),
                static_cast<double>(s.cache_bytes()))
          << spec << " batch " << batch;
    }
  }
}

TEST(MemoryBudget, RefusesPoliciesLargerThanMemory) {
  ModelConfig c;
  c.n_layer = 32;
  c.n_head_kv = 8;
  c.head_dim = 128;
  c.n_ctx_train = 4096;
  // window:1e9 -> 2 * 32 layers * 1024 * 1e9 slots * 4 bytes: far beyond 64 GiB.
  const CachePolicy huge = CachePolicy::parse("window:1000000000");
  EXPECT_GT(eval::cache_bytes_needed(c, huge, 100, 64, false), 2.5e14);
  try {
    eval::check_cache_fits(c, huge, 100, 64, false, 0, size_t{64} << 30);
    FAIL() << "window:1000000000 must not fit in 64 GiB";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("window:1000000000"), std::string::npos) << msg;
    EXPECT_NE(msg.find("physical memory"), std::string::npos) << msg;
  }
  EXPECT_NO_THROW(eval::check_cache_fits(c, CachePolicy::parse("sink:4:1020"), 1 << 20, 64, false, 0, size_t{64} << 30));
  // Dense grows with the stream: 1M tokens = 2*32*1024*2^20*4 bytes = 256 GiB.
  EXPECT_THROW(eval::check_cache_fits(c, CachePolicy::parse("dense"), 1 << 20, 64, false, 0, size_t{64} << 30), Error);
  EXPECT_NO_THROW(eval::check_cache_fits(c, CachePolicy::parse("dense"), 1 << 20, 64, false, 0, 0));  // unknown: no check
  EXPECT_GT(eval::physical_memory_bytes(), size_t{1} << 26);
}

}  // namespace
}  // namespace sinkstream
