// Token sampling: greedy, temperature, top-k, top-p, min-p, repetition penalty.
// Deterministic for a given seed on every platform (own xoshiro256** generator,
// own uniform conversion).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace sinkstream {

struct SamplerParams {
  float temperature = 1.0f;      // 0 = greedy (argmax)
  int32_t top_k = 0;             // 0 = off; keep the k most probable tokens
  float top_p = 1.0f;            // 1 = off; keep the smallest prefix with cumulative mass >= top_p
  float min_p = 0.0f;            // 0 = off; keep tokens with p >= min_p * p_max
  float repeat_penalty = 1.0f;   // 1 = off; logits of recent tokens: >0 divided, <0 multiplied
  int32_t repeat_last_n = 64;    // how many recent tokens the penalty looks at
  uint64_t seed = 0;
};

// xoshiro256** seeded through splitmix64. State is four words, so it can be saved.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0);
  uint64_t next();
  double uniform();  // [0, 1) with 53 random bits
  std::array<uint64_t, 4> state() const { return s_; }
  void set_state(const std::array<uint64_t, 4>& s) { s_ = s; }

 private:
  std::array<uint64_t, 4> s_{};
};

struct TokenProb {
  int32_t id;
  float p;
};

class Sampler {
 public:
  explicit Sampler(const SamplerParams& params);

  const SamplerParams& params() const { return params_; }

  // Applies, in order, the repetition penalty (over the last repeat_last_n of
  // `recent`), temperature, top-k, top-p (over the top-k survivors, renormalized)
  // and min-p (relative to the most probable token) to logits [n_vocab]; returns the surviving tokens with renormalized
  // probabilities, most probable first. With temperature 0 returns the argmax with p = 1.
  std::vector<TokenProb> distribution(std::span<const float> logits, std::span<const int32_t> recent) const;

  // Draws one token from distribution(); advances the generator (except for greedy).
  int32_t sample(std::span<const float> logits, std::span<const int32_t> recent);

  Rng& rng() { return rng_; }
  const Rng& rng() const { return rng_; }

 private:
  SamplerParams params_;
  Rng rng_;
};

}  // namespace sinkstream
