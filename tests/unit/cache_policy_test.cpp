// Cache policies against oracles we did not write into the fast path:
// the naive re-rotating cache (docs/design.md §3), the plain full-attention forward,
// and token-by-token decoding for batched prefill.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "api/model_access.hpp"
#include "backend/cpu/cpu_backend.hpp"
#include "backend/kv_storage.hpp"
#include "cache/discard_policy.hpp"
#include "cache/kv_cache.hpp"
#include "cache/sink_policy.hpp"
#include "model/forward.hpp"
#include "sinkstream/error.hpp"
#include "sinkstream/session.hpp"
#include "support/naive_cache.hpp"
#include "support/paths.hpp"
#include "support/plain_llama.hpp"

namespace sinkstream::test {
namespace {

std::shared_ptr<const Model> stories() {
  LoadOptions lo;
  lo.tokenizer_path = stories_tokenizer();
  return Model::load(stories_model(), lo);
}

std::vector<int32_t> shakespeare_tokens(const Model& m, size_t n) {
  const std::string text = read_file(shared_dir() + "/text/tinyshakespeare.txt").substr(0, n * 6);
  std::vector<int32_t> ids = m.tokenizer().encode(text, true);
  EXPECT_GE(ids.size(), n);
  ids.resize(std::min(ids.size(), n));
  return ids;
}

float max_abs_diff(const float* a, const float* b, size_t n) {
  float m = 0;
  for (size_t i = 0; i < n; ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

std::vector<float> session_logits(std::shared_ptr<const Model> m, const std::string& policy, int32_t batch,
                                  std::span<const int32_t> ids) {
  SessionOptions o;
  o.cache = CachePolicy::parse(policy);
  o.batch = batch;
  o.threads = 2;
  Session s(std::move(m), o);
  std::vector<float> out;
  s.eval_all(ids, &out);
  return out;
}

// --- pure span logic, expectations worked out by hand -----------------------

TEST(SinkCacheSpans, SinksAndWindowWithInCachePositions) {
  cache::SinkPolicy c(/*S=*/2, /*W=*/3, /*chunk=*/1);
  backend::KvStorage kv(1, 4, c.initial_slots(), false);
  for (int64_t p = 0; p <= 10; ++p) c.append(p, kv);
  std::vector<backend::KvSpan> s;
  c.spans(10, &s);
  // Sinks 0,1 scored with the query at in-cache position S+W-1 = 4; window keys 8,9,10 at 10.
  ASSERT_GE(s.size(), 2u);
  EXPECT_EQ(s[0].slot_begin, 0);
  EXPECT_EQ(s[0].count, 2);
  EXPECT_EQ(s[0].q_rot_pos, 4);
  int32_t keys = 0;
  for (size_t i = 1; i < s.size(); ++i) {
    EXPECT_EQ(s[i].q_rot_pos, 10);
    for (int32_t j = 0; j < s[i].count; ++j) {
      const int64_t p = kv.slot_pos()[s[i].slot_begin + j];
      EXPECT_TRUE(p >= 8 && p <= 10) << p;
      ++keys;
    }
  }
  EXPECT_EQ(keys, 3);
  EXPECT_EQ(kv.n_slots(), 2 + 3);  // S + W + chunk - 1: memory allocated once
}

TEST(SinkCacheSpans, BeforeTheWindowFillsPositionsAreAbsolute) {
  cache::SinkPolicy c(4, 60, 1);
  backend::KvStorage kv(1, 4, c.initial_slots(), false);
  for (int64_t p = 0; p <= 5; ++p) c.append(p, kv);
  std::vector<backend::KvSpan> s;
  c.spans(5, &s);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].q_rot_pos, 5);
  EXPECT_EQ(s[1].count, 2);  // positions 4 and 5
}

TEST(DiscardCacheSpans, DropsNAfterKeepWhenFull) {
  cache::DiscardPolicy c(/*keep=*/1, /*N=*/2);  // capacity 5
  backend::KvStorage kv(1, 4, c.initial_slots(), false);
  for (int64_t p = 0; p <= 5; ++p) c.append(p, kv);  // appending 5 drops 1,2
  std::vector<backend::KvSpan> s;
  c.spans(5, &s);
  EXPECT_EQ(c.shifted(), 2);
  ASSERT_GE(s.size(), 2u);
  EXPECT_EQ(s[0].count, 1);
  EXPECT_EQ(s[0].q_rot_pos, 3);  // compacted: 0, 3->1, 4->2, 5->3
  int32_t keys = 0;
  for (size_t i = 1; i < s.size(); ++i) keys += s[i].count;
  EXPECT_EQ(keys, 3);  // 3, 4, 5
}

TEST(CachePolicyParse, GrammarAndErrors) {
  EXPECT_EQ(CachePolicy::parse("sink:4:124").to_string(), "sink:4:124");
  EXPECT_EQ(CachePolicy::parse("dense").name, "dense");
  EXPECT_EQ(CachePolicy::parse("dense").args.size(), 0u);
  EXPECT_EQ(CachePolicy::parse("discard:4:62").args, (std::vector<int32_t>{4, 62}));
  for (const char* bad : {"", "sink", "sink:4", "sink:-1:4", "window:0", "window:x", "lru:5", "dense:3", "sink:4:12:1"}) {
    EXPECT_THROW(CachePolicy::parse(bad), Error) << bad;
  }
}

// --- oracles on the real model ---------------------------------------------

TEST(CacheSlots, OversizedPoliciesAreRefusedNotWrapped) {
  // 2e9 + 2e9 slots overflows int32: the caches must refuse with a range
  // error instead of allocating a wrapped-around size.
  EXPECT_EQ(cache::SinkPolicy::slot_count(2000000000, 2000000000, 64), int64_t{4000000063});
  EXPECT_EQ(cache::DiscardPolicy::slot_count(4, 2000000000), int64_t{4000000004});
  try {
    cache::SinkPolicy c(2000000000, 2000000000, 64);
    ADD_FAILURE() << "sink cache with 4e9 slots was built";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kRange);
    EXPECT_NE(std::string(e.what()).find("sink cache"), std::string::npos) << e.what();
  }
  EXPECT_THROW(cache::DiscardPolicy(4, 2000000000), Error);
}

TEST(CacheOracle, DenseEqualsPlainForward) {
  SINKSTREAM_REQUIRE_SHARED();
  const auto m = stories();
  const auto ids = shakespeare_tokens(*m, 96);
  const auto fast = session_logits(m, "dense", 1, ids);
  const auto plain = plain_llama_logits(*m, ids);
  EXPECT_LE(max_abs_diff(fast.data(), plain.data(), plain.size()), 1e-4f);
}

TEST(CacheOracle, RecomputeEqualsLastWindowFromScratch) {
  SINKSTREAM_REQUIRE_SHARED();
  const auto m = stories();
  const auto ids = shakespeare_tokens(*m, 80);
  const int32_t W = 24;
  const auto fast = session_logits(m, "recompute:" + std::to_string(W), 8, ids);
  const size_t V = static_cast<size_t>(m->config().n_vocab);
  for (size_t t : {size_t{5}, size_t{23}, size_t{24}, size_t{50}, size_t{79}}) {
    const size_t lo = t + 1 >= static_cast<size_t>(W) ? t + 1 - static_cast<size_t>(W) : 0;
    std::vector<int32_t> win(ids.begin() + static_cast<std::ptrdiff_t>(lo), ids.begin() + static_cast<std::ptrdiff_t>(t + 1));
    const auto plain = plain_llama_logits(*m, win);
    EXPECT_LE(max_abs_diff(fast.data() + t * V, plain.data() + (win.size() - 1) * V, V), 1e-4f) << "t=" << t;
  }
}

class NaiveOracle : public ::testing::TestWithParam<const char*> {};

TEST_P(NaiveOracle, FastCacheMatchesReRotatingReference) {
  SINKSTREAM_REQUIRE_SHARED();
  const auto m = stories();
  const auto ids = shakespeare_tokens(*m, 2100);
  ASSERT_GE(ids.size(), 2000u);
  const CachePolicy p = CachePolicy::parse(GetParam());
  const ModelConfig& c = m->config();
  const size_t V = static_cast<size_t>(c.n_vocab);

  const auto fast = session_logits(m, GetParam(), 64, ids);

  const auto naive_cache = make_naive_cache(c, p);
  cache::KvCache& naive = *naive_cache;
  backend::cpu::CpuBackend be(2);
  model::ForwardScratch scratch(c);
  std::vector<float> ref(V);
  float worst = 0;
  for (size_t t = 0; t < ids.size(); ++t) {
    model::forward_chunk(c, api::ModelAccess::weights(*m), naive, be, scratch, std::span<const int32_t>(&ids[t], 1), static_cast<int64_t>(t),
                  ref.data(), false);
    worst = std::max(worst, max_abs_diff(fast.data() + t * V, ref.data(), V));
  }
  EXPECT_LE(worst, 1e-4f) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Policies, NaiveOracle, ::testing::Values("sink:4:60", "window:64", "discard:4:30"));

class BatchedPrefill : public ::testing::TestWithParam<const char*> {};

TEST_P(BatchedPrefill, ChunksEqualTokenByToken) {
  SINKSTREAM_REQUIRE_SHARED();
  const auto m = stories();
  const std::string policy = GetParam();
  const size_t n = policy.rfind("recompute", 0) == 0 ? 90 : 300;
  const auto ids = shakespeare_tokens(*m, n);
  const auto one = session_logits(m, policy, 1, ids);
  for (int32_t b : {7, 64}) {
    const auto chunked = session_logits(m, policy, b, ids);
    EXPECT_LE(max_abs_diff(one.data(), chunked.data(), one.size()), 1e-4f) << policy << " batch " << b;
  }
}

INSTANTIATE_TEST_SUITE_P(Policies, BatchedPrefill,
                         ::testing::Values("dense", "window:64", "sink:4:60", "discard:4:30", "recompute:32"));

}  // namespace
}  // namespace sinkstream::test
