// f16 KV storage: the same policies with keys and values rounded to half
// precision stay close to f32 storage, and greedy text is unchanged.
#include <gtest/gtest.h>

#include <cmath>

#include "api/model_access.hpp"
#include "cache/kv_cache.hpp"
#include "core/f16.hpp"
#include "backend/cpu/cpu_backend.hpp"
#include "model/forward.hpp"
#include "sinkstream/session.hpp"
#include "support/paths.hpp"

namespace sinkstream::test {
namespace {

TEST(KvF16, CloseToF32AndSameGreedyTokens) {
  SINKSTREAM_REQUIRE_SHARED();
  LoadOptions lo;
  lo.tokenizer_path = stories_tokenizer();
  const auto m = Model::load(stories_model(), lo);
  const auto ids = m->tokenizer().encode(read_file(shared_dir() + "/text/alice29.txt").substr(0, 1500), true);
  for (const char* policy : {"sink:4:60", "dense", "discard:4:30"}) {
    SessionOptions o;
    o.cache = CachePolicy::parse(policy);
    o.threads = 2;
    Session a(m, o);
    o.kv_f16 = true;
    Session b(m, o);
    std::vector<float> la, lb;
    a.eval_all(ids, &la);
    b.eval_all(ids, &lb);
    EXPECT_LT(b.cache_bytes() * 2, a.cache_bytes() + 1) << policy;
    // A loose sanity bound; the exact check is RoundedDenseOracle below.
    float worst = 0;
    size_t argmax_same = 0;
    const size_t V = static_cast<size_t>(m->config().n_vocab);
    for (size_t t = 0; t < ids.size(); ++t) {
      size_t ia = 0, ib = 0;
      for (size_t i = 0; i < V; ++i) {
        worst = std::max(worst, std::fabs(la[t * V + i] - lb[t * V + i]));
        if (la[t * V + i] > la[t * V + ia]) ia = i;
        if (lb[t * V + i] > lb[t * V + ib]) ib = i;
      }
      argmax_same += ia == ib;
    }
    EXPECT_LT(worst, 0.5f) << policy;
    EXPECT_GE(static_cast<double>(argmax_same) / static_cast<double>(ids.size()), 0.99) << policy;
  }
}

// Oracle: a dense f32 cache whose stored keys/values are rounded to f16 after
// rotation must give the same logits as the f16 cache (which stores exactly
// those values and converts them back on read).
class RoundedDense final : public cache::Policy {
 public:
  int32_t initial_slots() const override { return 4096; }
  cache::KvPlacement append(int64_t pos, cache::KvStorage& kv) override {
    kv.set_slot_pos(static_cast<int32_t>(pos), pos);
    return {static_cast<int32_t>(pos), pos};
  }
  void write(cache::KvStorage& kv, int32_t layer, const cache::KvPlacement& p, const float* k_in, const float* v_in,
             const cache::KeyRotator& rotate) override {
    cache::Policy::write(kv, layer, p, k_in, v_in, rotate);
    for (int32_t i = 0; i < kv.kv_dim(); ++i) {
      kv.k(layer, p.slot)[i] = core::f16_to_f32(core::f32_to_f16(kv.k(layer, p.slot)[i]));
      kv.v(layer, p.slot)[i] = core::f16_to_f32(core::f32_to_f16(kv.v(layer, p.slot)[i]));
    }
  }
  int64_t chunk_limit() const override { return 1; }
  void spans(int64_t pos, std::vector<cache::KvSpan>* out) const override {
    out->clear();
    out->push_back({0, static_cast<int32_t>(pos + 1), pos});
  }
  void clear() override {}
  void save_indices(core::ByteWriter&) const override {}
  void load_indices(core::ByteReader&, const cache::KvStorage&) override {}
};

TEST(KvF16, EqualsF32CacheWithRoundedEntries) {
  SINKSTREAM_REQUIRE_SHARED();
  LoadOptions lo;
  lo.tokenizer_path = stories_tokenizer();
  const auto m = Model::load(stories_model(), lo);
  const auto ids = m->tokenizer().encode(read_file(shared_dir() + "/text/alice29.txt").substr(0, 1200), true);
  SessionOptions o;
  o.kv_f16 = true;
  o.threads = 1;
  o.batch = 1;
  Session fast(m, o);
  std::vector<float> lf;
  fast.eval_all(ids, &lf);

  const ModelConfig& c = m->config();
  cache::KvCache oracle(std::make_unique<RoundedDense>(), c.n_layer, c.kv_dim());
  backend::cpu::CpuBackend be(1);
  model::ForwardScratch scratch(c);
  const size_t V = static_cast<size_t>(c.n_vocab);
  std::vector<float> ref(V);
  float worst = 0;
  for (size_t t = 0; t < ids.size(); ++t) {
    model::forward_chunk(c, api::ModelAccess::weights(*m), oracle, be, scratch, std::span<const int32_t>(&ids[t], 1),
                  static_cast<int64_t>(t), ref.data(), false);
    for (size_t i = 0; i < V; ++i) worst = std::max(worst, std::fabs(ref[i] - lf[t * V + i]));
  }
  EXPECT_LE(worst, 1e-4f);
}

}  // namespace
}  // namespace sinkstream::test
