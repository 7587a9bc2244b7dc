// The policy registry drives the grammar, the help text, slot counts and the
// bench's live keys: each against values worked out by hand from DESIGN §2.
#include <gtest/gtest.h>

#include "cache/make_cache.hpp"
#include "cache/policy_registry.hpp"
#include "sinkstream/cache_policy.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::test {
namespace {

// A config with the attention shape the cache is built from (n_head_kv = n_head).
ModelConfig attention_shape(int32_t n_layer, int32_t n_head, int32_t head_dim) {
  ModelConfig c;
  c.n_layer = n_layer;
  c.n_head = n_head;
  c.n_head_kv = n_head;
  c.head_dim = head_dim;
  return c;
}

TEST(PolicyRegistry, GrammarListsEveryPolicyInOrder) {
  EXPECT_EQ(CachePolicy::grammar(), "dense | window:W | sink:S:W | recompute:W | discard:KEEP:N");
  const std::string help = CachePolicy::help();
  for (const char* g : {"dense = ", "window:W = ", "sink:S:W = ", "recompute:W = ", "discard:KEEP:N = "}) {
    EXPECT_NE(help.find(g), std::string::npos) << g;
  }
  try {
    CachePolicy::parse("lru:4");
    ADD_FAILURE() << "lru:4 parsed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("(expected dense, window:W, sink:S:W, recompute:W or discard:KEEP:N)"),
              std::string::npos)
        << e.what();
  }
}

TEST(PolicyRegistry, RoundTripsEveryGrammar) {
  for (const char* spec : {"dense", "window:7", "sink:0:9", "recompute:3", "discard:0:1"}) {
    EXPECT_EQ(CachePolicy::parse(spec).to_string(), spec);
  }
  EXPECT_NE(cache::find_policy_entry("sink"), nullptr);
  EXPECT_EQ(cache::find_policy_entry("sinks"), nullptr);
}

TEST(PolicyRegistry, SlotCounts) {
  ModelConfig c = attention_shape(2, 2, 4);
  c.n_ctx_train = 512;
  c.n_embd = 8;
  const int32_t chunk = 64;
  // dense: the trained context, doubled until the stream fits.
  EXPECT_EQ(cache::cache_slots(c, CachePolicy::parse("dense"), chunk, 0), 512);
  EXPECT_EQ(cache::cache_slots(c, CachePolicy::parse("dense"), chunk, 1000), 1024);
  // window / sink: S + W + chunk - 1, whatever the stream length.
  EXPECT_EQ(cache::cache_slots(c, CachePolicy::parse("window:64"), chunk, 100000), 64 + 63);
  EXPECT_EQ(cache::cache_slots(c, CachePolicy::parse("sink:4:60"), chunk, 100000), 4 + 60 + 63);
  EXPECT_EQ(cache::cache_slots(c, CachePolicy::parse("recompute:32"), chunk, 100000), 32);
  EXPECT_EQ(cache::cache_slots(c, CachePolicy::parse("discard:4:30"), chunk, 100000), 4 + 60);
  // The cache make_cache builds has that many slots.
  for (const char* spec : {"dense", "window:64", "sink:4:60", "recompute:32", "discard:4:30"}) {
    const CachePolicy p = CachePolicy::parse(spec);
    EXPECT_EQ(cache::make_cache(c, p, chunk, false)->storage().n_slots(), cache::cache_slots(c, p, chunk, 0)) << spec;
  }
}

TEST(PolicyRegistry, LiveKeys) {
  EXPECT_EQ(CachePolicy::parse("dense").live_keys(5000), 5000);
  EXPECT_EQ(CachePolicy::parse("window:64").live_keys(10), 10);
  EXPECT_EQ(CachePolicy::parse("window:64").live_keys(5000), 64);
  EXPECT_EQ(CachePolicy::parse("sink:4:60").live_keys(5000), 64);
  EXPECT_EQ(CachePolicy::parse("recompute:32").live_keys(5000), 32);
  EXPECT_EQ(CachePolicy::parse("discard:4:30").live_keys(5000), 64);
  EXPECT_EQ(CachePolicy::parse("discard:4:30").live_keys(20), 20);
}

TEST(PolicyRegistry, RefeedWindowOnlyForRecompute) {
  ModelConfig c = attention_shape(1, 1, 4);
  c.n_ctx_train = 128;
  c.n_embd = 4;
  for (const char* spec : {"dense", "window:8", "sink:4:8", "discard:4:8"}) {
    EXPECT_EQ(cache::make_cache(c, CachePolicy::parse(spec), 4, false)->refeed_window(), 0) << spec;
  }
  EXPECT_EQ(cache::make_cache(c, CachePolicy::parse("recompute:24"), 4, false)->refeed_window(), 24);
}

TEST(PolicyRegistry, HandBuiltPolicyWithWrongArityIsRefused) {
  const ModelConfig c = attention_shape(1, 1, 4);
  CachePolicy p;
  p.name = "sink";
  p.args = {4};
  EXPECT_THROW(cache::make_cache(c, p, 1, false), Error);
  p.name = "lru";
  EXPECT_THROW(cache::make_cache(c, p, 1, false), Error);
}

}  // namespace
}  // namespace sinkstream::test
