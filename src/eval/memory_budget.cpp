#include "eval/memory_budget.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

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
  const double slots = static_cast<double>(cache::cache_slots(c, p, std::max(1, batch), n_tokens));
  const double per_value = kv_f16 ? 2.0 : 4.0;
  return 2.0 * static_cast<double>(c.n_layer) * static_cast<double>(c.kv_dim()) * slots * per_value;
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
