#include "cache/make_cache.hpp"

#include <algorithm>

#include "cache/dense_cache.hpp"
#include "cache/discard_cache.hpp"
#include "cache/sink_cache.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {

namespace {
// Dense caches start at the trained context (64..4096 slots) and double as needed.
int32_t dense_initial_slots(const ModelConfig& c) { return std::max(64, std::min(c.n_ctx_train, 4096)); }
}  // namespace

int64_t cache_slots(const ModelConfig& c, const CachePolicy& p, int32_t max_chunk, int64_t n_tokens) {
  switch (p.kind) {
    case CachePolicy::Kind::kDense: return DenseCache::slot_count(dense_initial_slots(c), n_tokens);
    case CachePolicy::Kind::kRecompute: return DenseCache::slot_count(p.window, 0);
    case CachePolicy::Kind::kWindow: return SinkCache::slot_count(0, p.window, max_chunk);
    case CachePolicy::Kind::kSink: return SinkCache::slot_count(p.sinks, p.window, max_chunk);
    case CachePolicy::Kind::kDiscard: return DiscardCache::slot_count(p.sinks, p.discard);
  }
  throw Error(ErrorKind::kInvalidArg, "unknown cache policy");
}

std::unique_ptr<KvCache> make_cache(const ModelConfig& c, const CachePolicy& p, int32_t max_chunk, bool kv_f16) {
  const bool evicting = p.kind == CachePolicy::Kind::kWindow || p.kind == CachePolicy::Kind::kSink ||
                        p.kind == CachePolicy::Kind::kDiscard;
  if (evicting && c.positions == PositionKind::kLearned) {
    throw Error(ErrorKind::kUnsupported, "cache policy " + p.to_string() + ": architecture '" + c.arch +
                                             "' uses learned absolute positions, which cannot be shifted; "
                                             "use dense or recompute:W");
  }
  switch (p.kind) {
    case CachePolicy::Kind::kDense:
      return std::make_unique<DenseCache>(c.n_layer, c.kv_dim(), dense_initial_slots(c), kv_f16);
    case CachePolicy::Kind::kRecompute:
      return std::make_unique<DenseCache>(c.n_layer, c.kv_dim(), p.window, kv_f16);
    case CachePolicy::Kind::kWindow:
      return std::make_unique<SinkCache>(c.n_layer, c.kv_dim(), 0, p.window, max_chunk, kv_f16);
    case CachePolicy::Kind::kSink:
      return std::make_unique<SinkCache>(c.n_layer, c.kv_dim(), p.sinks, p.window, max_chunk, kv_f16);
    case CachePolicy::Kind::kDiscard:
      return std::make_unique<DiscardCache>(c.n_layer, c.kv_dim(), p.sinks, p.discard, kv_f16);
  }
  throw Error(ErrorKind::kInvalidArg, "unknown cache policy");
}

}  // namespace sinkstream
