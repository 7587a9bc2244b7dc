#include "cache/make_cache.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "cache/policy_registry.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::cache {

namespace {

// A stream length past every policy's fill: live_keys() there is what a policy keeps for good.
constexpr int64_t kLongStream = int64_t{1} << 40;

// The registry entry of p, its arity checked (a CachePolicy built by hand may not have been parsed).
const PolicyEntry& entry_of(const CachePolicy& p) {
  const PolicyEntry* e = find_policy_entry(p.name);
  if (e == nullptr) throw Error(ErrorKind::kInvalidArg, "unknown cache policy '" + p.name + "'");
  if (static_cast<int32_t>(p.args.size()) != e->n_params) {
    throw Error(ErrorKind::kInvalidArg, "cache policy " + p.to_string() + ": " + e->name + " takes " +
                                            std::to_string(e->n_params) + " arguments (" + e->grammar + ")");
  }
  return *e;
}

// "dense or recompute:W": the policies that keep stream distances.
std::string unshifted_policies() {
  std::string s;
  std::vector<const char*> names;
  for (const PolicyEntry* e : policy_entries()) {
    if (!e->shifts_positions) names.push_back(e->grammar);
  }
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) s += i + 1 == names.size() ? " or " : ", ";
    s += names[i];
  }
  return s;
}

}  // namespace

int64_t cache_slots(const ModelConfig& c, const CachePolicy& p, int32_t max_chunk, int64_t n_tokens) {
  return entry_of(p).slots(p.args, PolicySetting{c.n_ctx_train, max_chunk}, n_tokens);
}

std::vector<PlanGroup> cache_plan(const ModelConfig& c, const CachePolicy& p) {
  std::vector<PlanGroup> plan(1);
  plan[0].policy = p;
  // Keys a query attends to under p once the stream is long (dense: all of them).
  const int64_t p_keys = p.live_keys(kLongStream);
  std::vector<int32_t> windows;
  for (int32_t l = 0; l < c.n_layer; ++l) {
    const int32_t w = c.window_of(l);
    if (w <= 0 || p_keys <= w) plan[0].layers.push_back(l);
    else if (std::find(windows.begin(), windows.end(), w) == windows.end()) windows.push_back(w);
  }
  std::sort(windows.begin(), windows.end());
  for (const int32_t w : windows) {
    PlanGroup g;
    g.policy.name = "window";
    g.policy.args = {w};
    for (int32_t l = 0; l < c.n_layer; ++l) {
      if (c.window_of(l) == w && p_keys > w) g.layers.push_back(l);
    }
    plan.push_back(std::move(g));
  }
  return plan;
}

double cache_bytes(const ModelConfig& c, const CachePolicy& p, int32_t max_chunk, int64_t n_tokens, bool kv_f16) {
  double bytes = 0;
  for (const PlanGroup& g : cache_plan(c, p)) {
    const double slots = static_cast<double>(cache_slots(c, g.policy, max_chunk, n_tokens));
    bytes += 2.0 * static_cast<double>(g.layers.size()) * c.kv_dim() * slots * (kv_f16 ? 2.0 : 4.0);
  }
  return bytes;
}

std::unique_ptr<KvCache> make_cache(const ModelConfig& c, const CachePolicy& p, int32_t max_chunk, bool kv_f16) {
  std::vector<LayerGroup> groups;
  for (PlanGroup& g : cache_plan(c, p)) {
    const PolicyEntry& e = entry_of(g.policy);
    if (e.shifts_positions && c.positions == PositionKind::kLearned) {
      throw Error(ErrorKind::kUnsupported, "cache policy " + g.policy.to_string() + ": architecture '" + c.arch +
                                               "' uses learned absolute positions, which cannot be shifted; use " +
                                               unshifted_policies());
    }
    groups.push_back(LayerGroup{e.make(g.policy.args, PolicySetting{c.n_ctx_train, max_chunk}), std::move(g.layers)});
  }
  return std::make_unique<KvCache>(std::move(groups), c.n_layer, c.kv_dim(), kv_f16);
}

}  // namespace sinkstream::cache
