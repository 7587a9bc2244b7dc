#include "cache/kv_cache.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "core/byte_stream.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::cache {

namespace {
std::vector<LayerGroup> one_group(std::unique_ptr<Policy> policy, int32_t n_layer) {
  std::vector<LayerGroup> g(1);
  g[0].policy = std::move(policy);
  for (int32_t l = 0; l < n_layer; ++l) g[0].layers.push_back(l);
  return g;
}
}  // namespace

KvCache::KvCache(std::unique_ptr<Policy> policy, int32_t n_layer, int32_t kv_dim, bool f16)
    : KvCache(one_group(std::move(policy), n_layer), n_layer, kv_dim, f16) {}

KvCache::KvCache(std::vector<LayerGroup> groups, int32_t n_layer, int32_t kv_dim, bool f16)
    : layer_group_(static_cast<size_t>(std::max(n_layer, 0)), -1),
      layer_index_(static_cast<size_t>(std::max(n_layer, 0)), -1) {
  if (groups.empty()) throw Error(ErrorKind::kInvalidArg, "KV cache plan: no layer group");
  groups_.reserve(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    LayerGroup& lg = groups[g];
    if (lg.policy == nullptr) throw Error(ErrorKind::kInvalidArg, "KV cache plan: group " + std::to_string(g) + " has no policy");
    for (size_t i = 0; i < lg.layers.size(); ++i) {
      const int32_t l = lg.layers[i];
      if (l < 0 || l >= n_layer || layer_group_[static_cast<size_t>(l)] >= 0) {
        throw Error(ErrorKind::kInvalidArg, "KV cache plan: layer " + std::to_string(l) + " of group " +
                                                std::to_string(g) + " is outside [0, " + std::to_string(n_layer) +
                                                ") or in two groups");
      }
      layer_group_[static_cast<size_t>(l)] = static_cast<int32_t>(g);
      layer_index_[static_cast<size_t>(l)] = static_cast<int32_t>(i);
    }
    const int32_t slots = lg.policy->initial_slots();
    groups_.push_back(Group{std::move(lg.policy),
                            KvStorage(static_cast<int32_t>(lg.layers.size()), kv_dim, slots, f16),
                            std::move(lg.layers)});
  }
  for (size_t l = 0; l < layer_group_.size(); ++l) {
    if (layer_group_[l] < 0) throw Error(ErrorKind::kInvalidArg, "KV cache plan: layer " + std::to_string(l) + " is in no group");
  }
}

int64_t KvCache::chunk_limit() const {
  int64_t limit = groups_[0].policy->chunk_limit();
  for (const Group& g : groups_) limit = std::min(limit, g.policy->chunk_limit());
  return limit;
}

void KvCache::clear() {
  for (Group& g : groups_) g.policy->clear();
}

size_t KvCache::bytes() const {
  size_t b = 0;
  for (const Group& g : groups_) b += g.storage.bytes();
  return b;
}

void KvCache::save(core::ByteWriter& w) const {
  for (const Group& g : groups_) {
    g.storage.save(w);
    g.policy->save_indices(w);
  }
}

void KvCache::load(core::ByteReader& r) {
  for (Group& g : groups_) {
    g.storage.load(r);
    g.policy->load_indices(r, g.storage);
  }
}

}  // namespace sinkstream::cache
