// libFuzzer target: the cache-policy grammar (CachePolicy::parse). Whatever
// parses must print back to a spec that parses to the same policy.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sinkstream/cache_policy.hpp"
#include "sinkstream/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sinkstream;
  const std::string_view spec(reinterpret_cast<const char*>(data), size);
  CachePolicy p;
  try {
    p = CachePolicy::parse(spec);
  } catch (const Error&) {
    return 0;
  }
  const CachePolicy q = CachePolicy::parse(p.to_string());
  if (q.name != p.name || q.args != p.args) __builtin_trap();
  return 0;
}
