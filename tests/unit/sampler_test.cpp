// Sampler: filters against distributions worked out by hand, and determinism.
#include <gtest/gtest.h>

#include <cmath>

#include "sinkstream/error.hpp"
#include "sinkstream/sampler.hpp"

namespace sinkstream {
namespace {

// p = [0.5, 0.3, 0.15, 0.05] as logits.
std::vector<float> logits4() { return {std::log(0.5f), std::log(0.3f), std::log(0.15f), std::log(0.05f)}; }

std::vector<float> probs(const Sampler& s, const std::vector<float>& logits, std::vector<int32_t> recent = {}) {
  std::vector<float> p(logits.size(), 0.0f);
  for (const TokenProb& tp : s.distribution(logits, recent)) p[static_cast<size_t>(tp.id)] = tp.p;
  return p;
}

void expect_probs(const std::vector<float>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6) << "token " << i;
}

SamplerParams params(float temp = 1.0f) {
  SamplerParams p;
  p.temperature = temp;
  return p;
}

TEST(Sampler, PlainSoftmax) { expect_probs(probs(Sampler(params()), logits4()), {0.5, 0.3, 0.15, 0.05}); }

TEST(Sampler, TopK) {
  SamplerParams p = params();
  p.top_k = 2;
  expect_probs(probs(Sampler(p), logits4()), {0.5 / 0.8, 0.3 / 0.8, 0, 0});
}

TEST(Sampler, TopP) {
  SamplerParams p = params();
  p.top_p = 0.7f;  // 0.5 < 0.7 <= 0.8: two tokens
  expect_probs(probs(Sampler(p), logits4()), {0.625, 0.375, 0, 0});
  p.top_p = 0.9f;  // 0.8 < 0.9 <= 0.95: three tokens
  expect_probs(probs(Sampler(p), logits4()), {0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0});
}

TEST(Sampler, TopPAfterTopKIsRenormalized) {
  SamplerParams p = params();
  p.top_k = 3;       // survivors 0.5, 0.3, 0.15 -> renormalized 0.526, 0.316, 0.158
  p.top_p = 0.84f;   // 0.526 + 0.316 = 0.842 >= 0.84: two tokens
  expect_probs(probs(Sampler(p), logits4()), {0.625, 0.375, 0, 0});
}

TEST(Sampler, MinP) {
  SamplerParams p = params();
  p.min_p = 0.25f;  // threshold 0.125: drops 0.05
  expect_probs(probs(Sampler(p), logits4()), {0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0});
}

TEST(Sampler, Temperature) {
  // T = 0.5 squares the probabilities: 0.25, 0.09, 0.0225, 0.0025 (sum 0.365).
  expect_probs(probs(Sampler(params(0.5f)), logits4()), {0.25 / 0.365, 0.09 / 0.365, 0.0225 / 0.365, 0.0025 / 0.365});
}

TEST(Sampler, RepetitionPenalty) {
  SamplerParams p = params();
  p.repeat_penalty = 2.0f;
  // logits [2, -1, 0.5, 0]; tokens 0 and 1 seen: 2 -> 1, -1 -> -2.
  const std::vector<float> l{2.0f, -1.0f, 0.5f, 0.0f};
  const double z = std::exp(1.0) + std::exp(-2.0) + std::exp(0.5) + 1.0;
  expect_probs(probs(Sampler(p), l, {0, 1, 1}), {std::exp(1.0) / z, std::exp(-2.0) / z, std::exp(0.5) / z, 1.0 / z});
}

TEST(Sampler, GreedyIsArgmax) {
  Sampler s(params(0.0f));
  const std::vector<float> l{0.1f, 3.0f, -2.0f, 2.9f};
  EXPECT_EQ(s.sample(l, {}), 1);
  EXPECT_EQ(s.sample(l, {}), 1);
}

TEST(Sampler, SeededAndDeterministic) {
  SamplerParams p = params();
  p.seed = 42;
  Sampler a(p), b(p);
  p.seed = 43;
  Sampler c(p);
  const auto l = logits4();
  std::vector<int32_t> sa, sb, sc;
  for (int i = 0; i < 200; ++i) {
    sa.push_back(a.sample(l, {}));
    sb.push_back(b.sample(l, {}));
    sc.push_back(c.sample(l, {}));
  }
  EXPECT_EQ(sa, sb);
  EXPECT_NE(sa, sc);
}

TEST(Sampler, FrequenciesFollowTheDistribution) {
  SamplerParams p = params();
  p.seed = 7;
  p.top_k = 2;
  Sampler s(p);
  const auto l = logits4();
  int zeros = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) zeros += s.sample(l, {}) == 0;
  EXPECT_NEAR(static_cast<double>(zeros) / n, 0.625, 0.015);  // > 4 sigma
}

TEST(Sampler, RejectsBadParameters) {
  SamplerParams p = params();
  p.top_p = 0.0f;
  EXPECT_THROW(Sampler{p}, Error);
  p = params(-1.0f);
  EXPECT_THROW(Sampler{p}, Error);
}

TEST(Rng, UniformInUnitInterval) {
  Rng r(1);
  double mn = 1, mx = 0, sum = 0;
  for (int i = 0; i < 10000; ++i) {
    const double u = r.uniform();
    mn = std::min(mn, u);
    mx = std::max(mx, u);
    sum += u;
  }
  EXPECT_GE(mn, 0.0);
  EXPECT_LT(mx, 1.0);
  EXPECT_NEAR(sum / 10000, 0.5, 0.02);
}

}  // namespace
}  // namespace sinkstream
