#include "sinkstream/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "sinkstream/error.hpp"

namespace sinkstream {

namespace {
uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

Rng::Rng(uint64_t seed) {
  uint64_t x = seed;
  for (auto& w : s_) w = splitmix64(x);
}

uint64_t Rng::next() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

Sampler::Sampler(const SamplerParams& params) : params_(params), rng_(params.seed) {
  if (!(params.temperature >= 0.0f)) throw Error(ErrorKind::kInvalidArg, "temperature must be >= 0");
  if (params.top_k < 0) throw Error(ErrorKind::kInvalidArg, "top-k must be >= 0");
  if (!(params.top_p > 0.0f && params.top_p <= 1.0f)) throw Error(ErrorKind::kInvalidArg, "top-p must be in (0, 1]");
  if (!(params.min_p >= 0.0f && params.min_p <= 1.0f)) throw Error(ErrorKind::kInvalidArg, "min-p must be in [0, 1]");
  if (!(params.repeat_penalty > 0.0f)) throw Error(ErrorKind::kInvalidArg, "repeat penalty must be > 0");
  if (params.repeat_last_n < 0) throw Error(ErrorKind::kInvalidArg, "repeat-last-n must be >= 0");
}

std::vector<TokenProb> Sampler::distribution(std::span<const float> logits, std::span<const int32_t> recent) const {
  const size_t n = logits.size();
  if (n == 0) throw Error(ErrorKind::kInvalidArg, "sampler: empty logits");
  std::vector<float> l(logits.begin(), logits.end());

  if (params_.repeat_penalty != 1.0f && params_.repeat_last_n > 0) {
    const size_t take = std::min(recent.size(), static_cast<size_t>(params_.repeat_last_n));
    std::unordered_set<int32_t> seen(recent.end() - static_cast<std::ptrdiff_t>(take), recent.end());
    for (const int32_t id : seen) {
      if (id < 0 || static_cast<size_t>(id) >= n) continue;
      float& v = l[static_cast<size_t>(id)];
      v = v > 0.0f ? v / params_.repeat_penalty : v * params_.repeat_penalty;
    }
  }

  if (params_.temperature == 0.0f) {
    size_t best = 0;
    for (size_t i = 1; i < n; ++i) {
      if (l[i] > l[best]) best = i;
    }
    return {{static_cast<int32_t>(best), 1.0f}};
  }

  // Softmax at the temperature, computed in double for stable renormalization.
  std::vector<TokenProb> cand(n);
  float mx = l[0];
  for (const float v : l) mx = std::max(mx, v);
  double sum = 0.0;
  std::vector<double> e(n);
  for (size_t i = 0; i < n; ++i) {
    e[i] = std::exp(static_cast<double>(l[i] - mx) / params_.temperature);
    sum += e[i];
  }
  for (size_t i = 0; i < n; ++i) cand[i] = {static_cast<int32_t>(i), static_cast<float>(e[i] / sum)};
  // Most probable first; ties by id so the order is deterministic.
  std::sort(cand.begin(), cand.end(), [](const TokenProb& a, const TokenProb& b) {
    return a.p != b.p ? a.p > b.p : a.id < b.id;
  });

  size_t keep = n;
  if (params_.top_k > 0) keep = std::min(keep, static_cast<size_t>(params_.top_k));
  if (params_.top_p < 1.0f) {
    // Nucleus over the top-k survivors, renormalized.
    double mass = 0.0;
    for (size_t k = 0; k < keep; ++k) mass += cand[k].p;
    double cum = 0.0;
    size_t k = 0;
    while (k < keep) {
      cum += cand[k].p / mass;
      ++k;
      if (cum >= params_.top_p) break;
    }
    keep = k;
  }
  if (params_.min_p > 0.0f) {
    const float threshold = params_.min_p * cand[0].p;
    size_t k = 1;
    while (k < keep && cand[k].p >= threshold) ++k;
    keep = k;
  }
  cand.resize(keep);
  double total = 0.0;
  for (const auto& c : cand) total += c.p;
  for (auto& c : cand) c.p = static_cast<float>(c.p / total);
  return cand;
}

int32_t Sampler::sample(std::span<const float> logits, std::span<const int32_t> recent) {
  const std::vector<TokenProb> dist = distribution(logits, recent);
  if (dist.size() == 1) return dist[0].id;
  const double u = rng_.uniform();
  double cum = 0.0;
  for (const auto& c : dist) {
    cum += c.p;
    if (u < cum) return c.id;
  }
  return dist.back().id;
}

}  // namespace sinkstream
