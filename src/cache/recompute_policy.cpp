#include "cache/recompute_policy.hpp"

#include <algorithm>

#include "cache/policy_registry.hpp"

namespace sinkstream::cache {

namespace {

int64_t recompute_slots(std::span<const int32_t> a, const PolicySetting&, int64_t) {
  return DensePolicy::slot_count(a[0], 0);
}
int64_t recompute_live_keys(std::span<const int32_t> a, int64_t pos) { return std::min<int64_t>(pos, a[0]); }
std::unique_ptr<Policy> make_recompute(std::span<const int32_t> a, const PolicySetting&) {
  return std::make_unique<RecomputePolicy>(a[0]);
}

}  // namespace

extern const PolicyEntry kRecomputePolicyEntry = {
    "recompute", "recompute:W", "every token re-runs the last W tokens from scratch (slow baseline)", 1,
    {{{"window size W", 1}}}, false,
    recompute_slots, recompute_live_keys, make_recompute,
};

}  // namespace sinkstream::cache
