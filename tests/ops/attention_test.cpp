// The reference attention op against hand-computed softmax mixtures, including
// the learned sink logit, softmax-off-by-one, ALiBi and f16 storage.
#include <gtest/gtest.h>

#include <cmath>

#include "backend/cpu/attention.hpp"
#include "cache/dense_policy.hpp"
#include "cache/kv_cache.hpp"

namespace sinkstream {
namespace {

// One head, head_dim 2, two keys: k0 = (1, 0), k1 = (0, 1); values v0 = (1, 0), v1 = (0, 2).
// Query q = (2, 1), scale 1: scores 2 and 1.
struct Fixture {
  explicit Fixture(bool f16 = false) : cache(std::make_unique<cache::DensePolicy>(4), 1, 2, f16) {
    const float k0[2] = {1, 0}, v0[2] = {1, 0}, k1[2] = {0, 1}, v1[2] = {0, 2};
    cache.write(0, cache.append(0), k0, v0, {});
    cache.write(0, cache.append(1), k1, v1, {});
    cache.spans(1, &spans);
    q_ptrs.assign(spans.size(), q);
    view = {spans.data(), static_cast<int32_t>(spans.size()), q_ptrs.data()};
    args.n_head = 1;
    args.n_head_kv = 1;
    args.head_dim = 2;
    args.scale = 1.0f;
    args.kv = cache.view();
  }
  std::vector<float> run() {
    float scores[8], out[2];
    backend::cpu::attention_head(args, view, 0, scores, out);
    return {out[0], out[1]};
  }
  cache::KvCache cache;
  std::vector<backend::KvSpan> spans;
  float q[2] = {2, 1};
  std::vector<const float*> q_ptrs;
  backend::QueryView view;
  backend::AttentionArgs args;
};

TEST(AttentionOp, PlainSoftmax) {
  Fixture f;
  const auto o = f.run();
  const double z = std::exp(2.0) + std::exp(1.0);
  EXPECT_NEAR(o[0], std::exp(2.0) / z, 1e-6);
  EXPECT_NEAR(o[1], 2 * std::exp(1.0) / z, 1e-6);
}

TEST(AttentionOp, LearnedSinkLogitAbsorbsMassWithoutValue) {
  Fixture f;
  const float sink = 1.5f;
  f.args.sink_logits = &sink;
  const auto o = f.run();
  const double z = std::exp(2.0) + std::exp(1.0) + std::exp(1.5);
  EXPECT_NEAR(o[0], std::exp(2.0) / z, 1e-6);
  EXPECT_NEAR(o[1], 2 * std::exp(1.0) / z, 1e-6);
}

TEST(AttentionOp, SoftmaxOffByOne) {
  Fixture f;
  f.args.zero_sink_logit = true;
  const auto o = f.run();
  const double z = std::exp(2.0) + std::exp(1.0) + 1.0;
  EXPECT_NEAR(o[0], std::exp(2.0) / z, 1e-6);
  EXPECT_NEAR(o[1], 2 * std::exp(1.0) / z, 1e-6);
}

TEST(AttentionOp, AlibiBiasUsesDistance) {
  Fixture f;
  const float slope = 0.5f;
  f.args.alibi_slopes = &slope;
  const auto o = f.run();  // query at 1: key 0 at distance 1 gets -0.5
  const double z = std::exp(1.5) + std::exp(1.0);
  EXPECT_NEAR(o[0], std::exp(1.5) / z, 1e-6);
  EXPECT_NEAR(o[1], 2 * std::exp(1.0) / z, 1e-6);
}

TEST(AttentionOp, F16StorageOfExactlyRepresentableValues) {
  Fixture f(true);
  const auto o = f.run();
  const double z = std::exp(2.0) + std::exp(1.0);
  EXPECT_NEAR(o[0], std::exp(2.0) / z, 1e-6);
  EXPECT_NEAR(o[1], 2 * std::exp(1.0) / z, 1e-6);
}

}  // namespace
}  // namespace sinkstream
