#include "cache/policy_registry.hpp"

namespace sinkstream::cache {

// Defined in each policy's file.
extern const PolicyEntry kDensePolicyEntry, kWindowPolicyEntry, kSinkPolicyEntry, kRecomputePolicyEntry,
    kDiscardPolicyEntry;

namespace {
// One line per policy, in --help order.
const PolicyEntry* const kEntries[] = {
    &kDensePolicyEntry,
    &kWindowPolicyEntry,
    &kSinkPolicyEntry,
    &kRecomputePolicyEntry,
    &kDiscardPolicyEntry,
};
}  // namespace

std::span<const PolicyEntry* const> policy_entries() { return kEntries; }

const PolicyEntry* find_policy_entry(std::string_view name) {
  for (const PolicyEntry* e : kEntries) {
    if (name == e->name) return e;
  }
  return nullptr;
}

}  // namespace sinkstream::cache
