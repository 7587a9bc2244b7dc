// libFuzzer target: a token-id stream file (`ppl --ids`, `sinks --ids`):
// parse_token_ids on whitespace-separated integers or a JSON array, with and
// without a vocabulary bound. Whatever parses must be in range.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "eval/token_ids.hpp"
#include "sinkstream/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sinkstream;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const int32_t n_vocab : {0, 512}) {
    try {
      for (const int32_t id : eval::parse_token_ids(text, "fuzz.ids", n_vocab)) {
        if (id < 0 || (n_vocab > 0 && id >= n_vocab)) __builtin_trap();
      }
    } catch (const Error&) {
    }
  }
  return 0;
}
