// The tokens `sinkstream bench` feeds: random prompts and greedy next tokens.
#include <algorithm>
#include <random>

#include "bench_run.hpp"

namespace sinkstream::cli {

int32_t argmax_token(std::span<const float> logits) {
  return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

std::vector<int32_t> random_tokens(int64_t n, int32_t n_vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int32_t> u(0, n_vocab - 1);
  std::vector<int32_t> v(static_cast<size_t>(n));
  for (auto& t : v) t = u(rng);
  return v;
}

}  // namespace sinkstream::cli
