// Continuous batching against its reference: each Session fed alone (the
// single-session path). Sessions batched into one forward pass must give the
// same logits per session. Tolerance: exactly equal (0 ulp) -- every kernel
// computes a row from that row and the weights only (activation quantization is
// per row, attention per query), which is also why a T-token prefill chunk is
// bit-identical to T single steps (model/forward.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sinkstream/batcher.hpp"
#include "sinkstream/cache_policy.hpp"
#include "sinkstream/error.hpp"
#include "sinkstream/model.hpp"
#include "sinkstream/session.hpp"
#include "support/paths.hpp"

namespace sinkstream {
namespace {

std::string demo_model() { return test::source_dir() + "/models/sinkstream-default.gguf"; }
std::string hf_fixture(const std::string& name) { return test::source_dir() + "/tests/fixtures/hf/" + name; }

int32_t argmax(std::span<const float> v) {
  return static_cast<int32_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

// Prompts of different lengths (ids below every test model's vocabulary).
std::vector<std::vector<int32_t>> prompts(int32_t n_vocab, size_t count) {
  std::vector<std::vector<int32_t>> out;
  for (size_t i = 0; i < count; ++i) {
    std::vector<int32_t> p;
    for (size_t j = 0; j < 3 + 7 * i; ++j) p.push_back(static_cast<int32_t>((17 * i + 5 * j + 1) % n_vocab));
    out.push_back(p);
  }
  return out;
}

BatcherOptions batcher_options(int32_t threads, int32_t gather_us) {
  BatcherOptions o;
  o.threads = threads;
  o.max_rows = 64;
  o.prefill_chunk = 4;  // prompts of 3..24 tokens take several steps, interleaved with decoding
  o.gather_us = gather_us;
  return o;
}

// Mixed policies, and a small sink cache that evicts within the test.
const std::vector<std::string> kMixed = {"sink:2:14", "dense"};

SessionOptions options_for(size_t i, Batcher* batcher, const std::vector<std::string>& policies = kMixed) {
  SessionOptions o;
  o.threads = 1;
  o.batch = 8;
  o.cache = CachePolicy::parse(policies[i % policies.size()]);
  o.batcher = batcher;
  return o;
}

// Greedy decoding of `steps` tokens per session, one forward pass per step for
// all sessions (eval_together) vs each session alone; logits compared each step.
void expect_together_equals_alone(const std::string& path, size_t n_sessions, int steps,
                                  const std::vector<std::string>& policies = kMixed) {
  const auto model = Model::load(path);
  const int32_t V = model->config().n_vocab;
  Batcher batcher(model, batcher_options(2, 0));
  std::vector<std::unique_ptr<Session>> alone, together;
  const auto ps = prompts(V, n_sessions);
  for (size_t i = 0; i < n_sessions; ++i) {
    alone.push_back(std::make_unique<Session>(model, options_for(i, nullptr, policies)));
    together.push_back(std::make_unique<Session>(model, options_for(i, nullptr, policies)));
    alone[i]->eval(ps[i]);
    together[i]->eval(ps[i]);
  }
  std::vector<Session*> group;
  for (auto& s : together) group.push_back(s.get());
  for (int step = 0; step < steps; ++step) {
    std::vector<int32_t> next;
    for (auto& s : alone) next.push_back(argmax(s->logits()));
    batcher.eval_together(group, next);
    for (size_t i = 0; i < n_sessions; ++i) {
      alone[i]->eval(next[i]);
      const auto a = alone[i]->logits();
      const auto b = together[i]->logits();
      ASSERT_EQ(together[i]->position(), alone[i]->position());
      for (int32_t v = 0; v < V; ++v) {
        ASSERT_EQ(a[static_cast<size_t>(v)], b[static_cast<size_t>(v)])
            << path << ": session " << i << " step " << step << " logit " << v;
      }
    }
  }
  const BatcherStats st = batcher.stats();
  EXPECT_EQ(st.steps, 0) << "eval_together runs in the caller's thread, not as a batcher step";
}

TEST(Batcher, TogetherEqualsAloneDemoModel) { expect_together_equals_alone(demo_model(), 4, 24); }

// Learned absolute positions (each row its own position row; no shifting caches),
// with a recompute:W session that the batcher runs alone, and a parallel-residual family.
TEST(Batcher, TogetherEqualsAloneGpt2) {
  expect_together_equals_alone(hf_fixture("gpt2"), 3, 6, {"dense", "recompute:8"});
}
TEST(Batcher, TogetherEqualsAloneNeox) { expect_together_equals_alone(hf_fixture("gpt_neox"), 3, 12); }
// LongRoPE (original context 64): prompts of 3..38 tokens and 40 steps, so the sessions
// cross position 64 at different steps and one step holds both factor lists.
TEST(Batcher, TogetherEqualsAlonePhi3LongRope) {
  expect_together_equals_alone(hf_fixture("phi3"), 6, 40, {"dense", "sink:4:60"});
}

// Sessions in their own threads, each blocking in eval(), batched by the
// batcher's thread: the same greedy tokens and final logits as alone, and steps
// that held more than one session.
TEST(Batcher, ThreadedSessionsMatchAlone) {
  const auto model = Model::load(demo_model());
  const int32_t V = model->config().n_vocab;
  constexpr size_t kSessions = 4;
  constexpr int kSteps = 30;
  const auto ps = prompts(V, kSessions);
  auto decode = [&](Session& s, const std::vector<int32_t>& prompt, std::vector<int32_t>* out) {
    s.eval(std::span<const int32_t>(prompt));
    for (int i = 0; i < kSteps; ++i) {
      out->push_back(argmax(s.logits()));
      s.eval(out->back());
    }
  };
  std::vector<std::vector<int32_t>> want(kSessions), got(kSessions);
  std::vector<std::vector<float>> want_logits(kSessions);
  for (size_t i = 0; i < kSessions; ++i) {
    Session s(model, options_for(i, nullptr));
    decode(s, ps[i], &want[i]);
    want_logits[i].assign(s.logits().begin(), s.logits().end());
  }
  Batcher batcher(model, batcher_options(2, 20000));
  std::vector<std::unique_ptr<Session>> sessions;
  for (size_t i = 0; i < kSessions; ++i) sessions.push_back(std::make_unique<Session>(model, options_for(i, &batcher)));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < kSessions; ++i) threads.emplace_back([&, i] { decode(*sessions[i], ps[i], &got[i]); });
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < kSessions; ++i) {
    EXPECT_EQ(got[i], want[i]) << "session " << i;
    const auto l = sessions[i]->logits();
    EXPECT_TRUE(std::equal(l.begin(), l.end(), want_logits[i].begin())) << "session " << i;
  }
  const BatcherStats st = batcher.stats();
  EXPECT_GE(st.max_segments, 2) << "no step ran two sessions together";
  size_t prompt_rows = 0;
  for (const auto& p : ps) prompt_rows += p.size();
  EXPECT_EQ(st.rows, static_cast<int64_t>(prompt_rows + kSessions * kSteps));
  EXPECT_LT(st.steps, static_cast<int64_t>(prompt_rows + kSessions * kSteps)) << "batching saved no step";
}

TEST(Batcher, RefusesSessionOfAnotherModel) {
  const auto a = Model::load(demo_model());
  const auto b = Model::load(demo_model());
  Batcher batcher(a, batcher_options(1, 0));
  SessionOptions o;
  o.batcher = &batcher;
  EXPECT_THROW(Session(b, o), Error);
  Session s(a, options_for(1, nullptr));
  Session* both[2] = {&s, &s};
  const int32_t toks[2] = {1, 2};
  EXPECT_THROW(batcher.eval_together(both, toks), Error);
}

}  // namespace
}  // namespace sinkstream
