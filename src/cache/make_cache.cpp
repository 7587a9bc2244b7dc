#include "cache/make_cache.hpp"

#include <string>
#include <vector>

#include "cache/policy_registry.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::cache {

namespace {

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

std::unique_ptr<KvCache> make_cache(const ModelConfig& c, const CachePolicy& p, int32_t max_chunk, bool kv_f16) {
  const PolicyEntry& e = entry_of(p);
  if (e.shifts_positions && c.positions == PositionKind::kLearned) {
    throw Error(ErrorKind::kUnsupported, "cache policy " + p.to_string() + ": architecture '" + c.arch +
                                             "' uses learned absolute positions, which cannot be shifted; use " +
                                             unshifted_policies());
  }
  return std::make_unique<KvCache>(e.make(p.args, PolicySetting{c.n_ctx_train, max_chunk}), c.n_layer, c.kv_dim(),
                                   kv_f16);
}

}  // namespace sinkstream::cache
