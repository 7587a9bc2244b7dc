// The KV cache a session owns and the model code feeds: K/V storage
// (backend::KvStorage) plus the cache policy that places tokens in it. The
// model code never knows the policy: it appends a chunk, writes each token's
// key/value, asks each query's spans and hands view() to the attention kernel.
//
// Per-layer plans (models with sliding-window layers, ModelConfig::layer_window):
// the layers are split into groups, each with its own policy and storage. Group 0
// holds the layers that follow the session's policy; every other group holds the
// layers of one model window W under window:W (make_cache.hpp builds the plan), so
// their memory stays at W whatever the session's policy. A cache of one policy is
// one group holding every layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "backend/kv_storage.hpp"
#include "backend/kv_view.hpp"
#include "cache/policy.hpp"

namespace sinkstream::cache {

// One group of a plan: a policy and the model layers it holds, in increasing order.
struct LayerGroup {
  std::unique_ptr<Policy> policy;
  std::vector<int32_t> layers;
};

class KvCache {
 public:
  // One policy for every layer; storage of policy->initial_slots() slots; f16: K and V stored as IEEE half floats.
  KvCache(std::unique_ptr<Policy> policy, int32_t n_layer, int32_t kv_dim, bool f16 = false);
  // A per-layer plan: every layer in [0, n_layer) in exactly one group (group 0 may hold none);
  // group 0's policy is the session's (its refeed_window is the cache's). Throws kInvalidArg otherwise.
  KvCache(std::vector<LayerGroup> groups, int32_t n_layer, int32_t kv_dim, bool f16 = false);
  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  int32_t n_layer() const { return static_cast<int32_t>(layer_group_.size()); }
  int32_t n_groups() const { return static_cast<int32_t>(groups_.size()); }
  int32_t group_of(int32_t layer) const { return layer_group_[static_cast<size_t>(layer)]; }
  const std::vector<int32_t>& group_layers(int32_t g) const { return groups_[static_cast<size_t>(g)].layers; }

  // See Policy for each of these; `g` is a group, `layer` a model layer.
  KvPlacement append(int32_t g, int64_t pos) { return group(g).policy->append(pos, group(g).storage); }
  void write(int32_t layer, const KvPlacement& p, const float* k, const float* v, const KeyRotator& rotate) {
    Group& gr = group(group_of(layer));
    gr.policy->write(gr.storage, layer_index_[static_cast<size_t>(layer)], p, k, v, rotate);
  }
  void spans(int32_t g, int64_t pos, std::vector<KvSpan>* out) const { group(g).policy->spans(pos, out); }
  // The smallest chunk limit of the groups.
  int64_t chunk_limit() const;
  void clear();
  int32_t refeed_window() const { return group(0).policy->refeed_window(); }

  // One-group caches (tests, benches): the same calls on group 0, which holds every layer.
  KvPlacement append(int64_t pos) { return append(0, pos); }
  void spans(int64_t pos, std::vector<KvSpan>* out) const { spans(0, pos, out); }
  backend::KvView view() const { return group(0).storage.view(); }
  const KvStorage& storage() const { return group(0).storage; }
  const Policy& policy() const { return *group(0).policy; }

  // What the attention kernels read for model layer `layer` (a one-layer view addressed by
  // that layer); valid until the next append().
  backend::KvView view(int32_t layer) const {
    return group(group_of(layer)).storage.layer_view(layer_index_[static_cast<size_t>(layer)], layer);
  }
  const KvStorage& storage(int32_t g) const { return group(g).storage; }
  const Policy& policy(int32_t g) const { return *group(g).policy; }
  // Bytes of every group's storage.
  size_t bytes() const;

  // Saved sessions: per group, storage (shape, rows, slot positions), then the policy's indices.
  void save(core::ByteWriter& w) const;
  void load(core::ByteReader& r);

 private:
  struct Group {
    std::unique_ptr<Policy> policy;
    KvStorage storage;  // [layers.size()][n_slots][kv_dim]
    std::vector<int32_t> layers;
  };
  Group& group(int32_t g) { return groups_[static_cast<size_t>(g)]; }
  const Group& group(int32_t g) const { return groups_[static_cast<size_t>(g)]; }

  std::vector<Group> groups_;
  std::vector<int32_t> layer_group_;  // [n_layer] group of each model layer
  std::vector<int32_t> layer_index_;  // [n_layer] its row in that group's storage
};

}  // namespace sinkstream::cache
