#include "eval/memory_budget.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cache/make_cache.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::eval {

namespace {
std::string gib(double bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g GiB", bytes / (1024.0 * 1024.0 * 1024.0));
  return buf;
}
}  // namespace

double cache_bytes_needed(const ModelConfig& c, const CachePolicy& p, int64_t n_tokens, int32_t batch, bool kv_f16) {
  return cache::cache_bytes(c, p, std::max(1, batch), n_tokens, kv_f16);
}

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) bytes /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %s", bytes, units[u]);
  return buf;
}

namespace {
// "0-3, 5, 7-8" from increasing layer numbers.
std::string layer_ranges(const std::vector<int32_t>& layers) {
  std::string s;
  char buf[32];
  for (size_t i = 0; i < layers.size();) {
    size_t j = i;
    while (j + 1 < layers.size() && layers[j + 1] == layers[j] + 1) ++j;
    if (j > i) std::snprintf(buf, sizeof buf, "%s%d-%d", s.empty() ? "" : ", ", layers[i], layers[j]);
    else std::snprintf(buf, sizeof buf, "%s%d", s.empty() ? "" : ", ", layers[i]);
    s.append(buf);
    i = j + 1;
  }
  return s;
}
}  // namespace

std::string describe_cache_plan(const ModelConfig& c, const CachePolicy& policy, int64_t n_tokens, int32_t batch,
                                bool kv_f16) {
  std::string out;
  const int32_t chunk = std::max(1, batch);
  for (const cache::PlanGroup& g : cache::cache_plan(c, policy)) {
    if (g.layers.empty()) continue;
    const int64_t slots = cache::cache_slots(c, g.policy, chunk, n_tokens);
    const double bytes = 2.0 * static_cast<double>(g.layers.size()) * c.kv_dim() * static_cast<double>(slots) *
                         (kv_f16 ? 2.0 : 4.0);
    char buf[160];
    std::snprintf(buf, sizeof buf, " (%zu): %s, %lld slots, %s\n", g.layers.size(), g.policy.to_string().c_str(),
                  static_cast<long long>(slots), human_bytes(bytes).c_str());
    out.append("layers ").append(layer_ranges(g.layers)).append(buf);
  }
  return out;
}

size_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return 0;
  return static_cast<size_t>(pages) * static_cast<size_t>(page);
}

void check_cache_fits(const ModelConfig& c, const CachePolicy& policy, int64_t n_tokens, int32_t batch, bool kv_f16,
                      double extra_bytes, size_t available_bytes) {
  if (available_bytes == 0) return;
  const double need = cache_bytes_needed(c, policy, n_tokens, batch, kv_f16) + extra_bytes;
  if (need > static_cast<double>(available_bytes)) {
    throw Error(ErrorKind::kRange, "cache policy " + policy.to_string() + " needs " + gib(need) +
                                       " for its KV cache over " + std::to_string(n_tokens) +
                                       " tokens, but this machine has " +
                                       gib(static_cast<double>(available_bytes)) + " of physical memory");
  }
}

}  // namespace sinkstream::eval
