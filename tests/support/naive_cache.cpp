#include "support/naive_cache.hpp"

#include <algorithm>
#include <cmath>

#include "api/model_access.hpp"
#include "backend/cpu/cpu_backend.hpp"
#include "model/forward.hpp"
#include "sinkstream/error.hpp"
#include "sinkstream/session.hpp"

namespace sinkstream::test {

NaivePolicy::NaivePolicy(int32_t n_layer, const CachePolicy& policy)
    : policy_(policy), raw_k_(static_cast<size_t>(n_layer)), raw_v_(static_cast<size_t>(n_layer)) {}

void NaivePolicy::clear() {
  held_.clear();
  for (auto& l : raw_k_) l.clear();
  for (auto& l : raw_v_) l.clear();
}

cache::KvPlacement NaivePolicy::append(int64_t pos, cache::KvStorage& kv) {
  auto erase = [&](size_t first, size_t count) {
    held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(first), held_.begin() + static_cast<std::ptrdiff_t>(first + count));
    for (auto* layers : {&raw_k_, &raw_v_}) {
      for (auto& l : *layers) {
        l.erase(l.begin() + static_cast<std::ptrdiff_t>(first), l.begin() + static_cast<std::ptrdiff_t>(first + count));
      }
    }
  };
  const size_t n = held_.size();
  const std::vector<int32_t>& a = policy_.args;
  if (policy_.name == "window") {
    if (n == static_cast<size_t>(a[0])) erase(0, 1);
  } else if (policy_.name == "sink") {
    if (n == static_cast<size_t>(a[0] + a[1])) erase(static_cast<size_t>(a[0]), 1);
  } else if (policy_.name == "discard") {
    if (n == static_cast<size_t>(a[0] + 2 * a[1])) erase(static_cast<size_t>(a[0]), static_cast<size_t>(a[1]));
  }
  held_.push_back(pos);
  for (auto* layers : {&raw_k_, &raw_v_}) {
    for (auto& l : *layers) l.emplace_back(static_cast<size_t>(kv.kv_dim()));
  }
  if (static_cast<int32_t>(held_.size()) > kv.n_slots()) kv.resize_slots(static_cast<int32_t>(held_.size()) * 2);
  const int32_t slot = static_cast<int32_t>(held_.size()) - 1;
  return {slot, slot};  // in-cache position
}

void NaivePolicy::write(cache::KvStorage& kv, int32_t layer, const cache::KvPlacement& p, const float* k_in,
                        const float* v_in, const cache::KeyRotator& rotate) {
  const size_t L = static_cast<size_t>(layer);
  std::copy(k_in, k_in + kv.kv_dim(), raw_k_[L][static_cast<size_t>(p.slot)].begin());
  std::copy(v_in, v_in + kv.kv_dim(), raw_v_[L][static_cast<size_t>(p.slot)].begin());
  // Re-rotate the whole layer at in-cache positions 0..n-1.
  for (size_t i = 0; i < held_.size(); ++i) {
    float* kd = kv.k(layer, static_cast<int32_t>(i));
    std::copy(raw_k_[L][i].begin(), raw_k_[L][i].end(), kd);
    std::copy(raw_v_[L][i].begin(), raw_v_[L][i].end(), kv.v(layer, static_cast<int32_t>(i)));
    if (rotate) rotate(kd, static_cast<int64_t>(i));
    kv.set_slot_pos(static_cast<int32_t>(i), static_cast<int64_t>(i));
  }
}

void NaivePolicy::spans(int64_t, std::vector<cache::KvSpan>* out) const {
  out->clear();
  const int32_t n = static_cast<int32_t>(held_.size());
  out->push_back({0, n, n - 1});
}

void NaivePolicy::save_indices(core::ByteWriter&) const { throw Error(ErrorKind::kUnsupported, "naive cache: no save"); }
void NaivePolicy::load_indices(core::ByteReader&, const cache::KvStorage&) {
  throw Error(ErrorKind::kUnsupported, "naive cache: no load");
}

std::unique_ptr<cache::KvCache> make_naive_cache(const ModelConfig& c, const CachePolicy& policy) {
  // A windowed layer (layer_window W) keeps its window when `policy` would keep more than
  // W keys, else follows `policy` like the other layers (the tighter wins); the groups are
  // listed here from the config itself rather than taken from cache::cache_plan.
  const int64_t policy_keys = policy.live_keys(int64_t{1} << 40);  // what policy keeps for good
  std::vector<int32_t> windows = {0};             // [n_groups] 0 = the session's policy
  std::vector<std::vector<int32_t>> layers(1);    // [n_groups][its layers]
  for (int32_t l = 0; l < c.n_layer; ++l) {
    int32_t w = c.layer_window.empty() ? 0 : c.layer_window[static_cast<size_t>(l)];
    if (policy_keys <= w) w = 0;
    const auto it = std::find(windows.begin(), windows.end(), w);
    if (it == windows.end()) {
      windows.push_back(w);
      layers.emplace_back();
    }
    layers[static_cast<size_t>(std::find(windows.begin(), windows.end(), w) - windows.begin())].push_back(l);
  }
  std::vector<cache::LayerGroup> groups;
  for (size_t g = 0; g < windows.size(); ++g) {
    CachePolicy p = policy;
    if (windows[g] > 0) p = CachePolicy{"window", {windows[g]}};
    groups.push_back({std::make_unique<NaivePolicy>(static_cast<int32_t>(layers[g].size()), p), layers[g]});
  }
  return std::make_unique<cache::KvCache>(std::move(groups), c.n_layer, c.kv_dim());
}

float max_diff_from_naive(const Model& m, const CachePolicy& policy, std::span<const int32_t> ids,
                          const std::vector<float>& fast) {
  const ModelConfig& c = m.config();
  const size_t V = static_cast<size_t>(c.n_vocab);
  const auto naive = make_naive_cache(c, policy);
  backend::cpu::CpuBackend be(2);
  model::ForwardScratch scratch(c);
  scratch.call_end = static_cast<int64_t>(ids.size());  // LongRoPE: the factors of one call over ids, as Session
  std::vector<float> ref(V);  // [n_vocab] logits of one step
  float worst = 0;
  for (size_t t = 0; t < ids.size(); ++t) {
    model::forward_chunk(c, api::ModelAccess::weights(m), *naive, be, scratch, ids.subspan(t, 1), static_cast<int64_t>(t),
                  ref.data(), false);
    for (size_t i = 0; i < V; ++i) worst = std::max(worst, std::fabs(fast[t * V + i] - ref[i]));
  }
  return worst;
}

SessionOptions session_options(const std::string& policy, int32_t batch) {
  SessionOptions o;
  o.cache = CachePolicy::parse(policy);
  o.batch = batch;
  o.threads = 2;
  return o;
}

std::vector<float> session_logits(const std::shared_ptr<const Model>& m, const std::string& policy, int32_t batch,
                                  std::span<const int32_t> ids) {
  Session s(m, session_options(policy, batch));
  std::vector<float> out;
  s.eval_all(ids, &out);
  return out;
}

std::string policy_test_name(std::string policy) {
  std::replace(policy.begin(), policy.end(), ':', '_');
  return policy;
}

}  // namespace sinkstream::test
