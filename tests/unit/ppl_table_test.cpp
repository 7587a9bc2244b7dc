// Perplexity table arithmetic against values worked out by hand: NLLs are
// multiples of ln 2, so every bucket perplexity is a power of two.
#include <gtest/gtest.h>

#include <cmath>

#include "eval/ppl_table.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {
namespace {

const double kLn2 = std::log(2.0);

TEST(PplTable, BucketsOverallRatioAndPartialTail) {
  // A: NLLs ln2, ln8, ln4, ln4, ln16 -> buckets of 2: 2^((1+3)/2)=4, 2^((2+2)/2)=4, tail 2^4=16.
  // B: ln2 everywhere -> 2 in every bucket.
  const std::vector<double> a = {kLn2, 3 * kLn2, 2 * kLn2, 2 * kLn2, 4 * kLn2};
  const std::vector<double> b(5, kLn2);
  const eval::PplTable t = eval::make_ppl_table({"A", "B"}, {a, b}, 2);
  ASSERT_EQ(t.buckets.size(), 3u);
  EXPECT_EQ(t.n_predicted, 5);
  EXPECT_EQ(t.buckets[0].begin, 0);
  EXPECT_EQ(t.buckets[0].end, 2);
  EXPECT_FALSE(t.buckets[0].partial);
  EXPECT_FALSE(t.buckets[1].partial);
  EXPECT_TRUE(t.buckets[2].partial);
  EXPECT_EQ(t.buckets[2].begin, 4);
  EXPECT_EQ(t.buckets[2].end, 5);
  EXPECT_NEAR(t.buckets[0].ppl[0], 4.0, 1e-12);
  EXPECT_NEAR(t.buckets[1].ppl[0], 4.0, 1e-12);
  EXPECT_NEAR(t.buckets[2].ppl[0], 16.0, 1e-12);
  for (const auto& row : t.buckets) EXPECT_NEAR(row.ppl[1], 2.0, 1e-12);
  // Overall A: mean exponent (1+3+2+2+4)/5 = 2.4 -> 2^2.4; B: 2.
  EXPECT_NEAR(t.overall[0], std::pow(2.0, 2.4), 1e-12);
  EXPECT_NEAR(t.overall[1], 2.0, 1e-12);
  EXPECT_NEAR(t.mean_nll[0], 2.4 * kLn2, 1e-12);
  EXPECT_EQ(t.best, 1u);
  EXPECT_NEAR(t.ratio_to_best[0], std::pow(2.0, 1.4), 1e-12);
  EXPECT_DOUBLE_EQ(t.ratio_to_best[1], 1.0);
}

TEST(PplTable, ExactMultipleHasNoPartialBucket) {
  const std::vector<double> v = {0, 0, kLn2, kLn2, 2 * kLn2, 2 * kLn2};
  const eval::PplTable t = eval::make_ppl_table({"only"}, {v}, 3);
  ASSERT_EQ(t.buckets.size(), 2u);
  EXPECT_FALSE(t.buckets[1].partial);
  // Bucket 0: exponents 0,0,1 -> 2^(1/3); bucket 1: 1,2,2 -> 2^(5/3).
  EXPECT_NEAR(t.buckets[0].ppl[0], std::cbrt(2.0), 1e-12);
  EXPECT_NEAR(t.buckets[1].ppl[0], std::cbrt(32.0), 1e-12);
  EXPECT_EQ(t.best, 0u);
}

TEST(PplTable, RejectsBadShapes) {
  const std::vector<double> v(4, 1.0);
  EXPECT_THROW(eval::make_ppl_table({}, {}, 2), Error);
  EXPECT_THROW(eval::make_ppl_table({"a", "b"}, {v}, 2), Error);
  EXPECT_THROW(eval::make_ppl_table({"a"}, {v}, 0), Error);
  EXPECT_THROW(eval::make_ppl_table({"a", "b"}, {v, std::vector<double>(3, 1.0)}, 2), Error);
  try {
    eval::make_ppl_table({"a"}, {v}, 5);
    FAIL() << "a stream shorter than the bucket must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("shorter than one bucket"), std::string::npos) << e.what();
  }
}

TEST(MovingAverage, TrailingMeansByHand) {
  const std::vector<double> v = {1, 2, 3, 4, 10};
  const auto w2 = eval::moving_average(v, 2);
  const std::vector<double> e2 = {1, 1.5, 2.5, 3.5, 7};
  for (size_t i = 0; i < v.size(); ++i) EXPECT_DOUBLE_EQ(w2[i], e2[i]) << i;
  const auto w9 = eval::moving_average(v, 9);  // window longer than the data: running mean
  const std::vector<double> e9 = {1, 1.5, 2, 2.5, 4};
  for (size_t i = 0; i < v.size(); ++i) EXPECT_DOUBLE_EQ(w9[i], e9[i]) << i;
  const auto w1 = eval::moving_average(v, 0);  // 0 behaves as 1: the values themselves
  for (size_t i = 0; i < v.size(); ++i) EXPECT_DOUBLE_EQ(w1[i], v[i]) << i;
}

}  // namespace
}  // namespace sinkstream
