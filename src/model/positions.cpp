#include "model/positions.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "sinkstream/error.hpp"

namespace sinkstream::model {

namespace {

// Llama 3.1 rescaling of one frequency (as HF transformers' "llama3" rope type).
double llama3_frequency(double f, const RopeScaling& r) {
  const double old_ctx = static_cast<double>(r.original_context);
  const double low_wavelen = old_ctx / r.low_freq_factor;
  const double high_wavelen = old_ctx / r.high_freq_factor;
  const double wavelen = 2.0 * std::numbers::pi / f;
  if (wavelen < high_wavelen) return f;             // high frequency: kept
  if (wavelen > low_wavelen) return f / r.factor;   // low frequency: scaled
  const double smooth = (old_ctx / wavelen - r.low_freq_factor) / (r.high_freq_factor - r.low_freq_factor);
  return (1.0 - smooth) * f / r.factor + smooth * f;
}

// YaRN (as HF transformers' "yarn" rope type): pair i of n_rot dims keeps its frequency f (extrapolation)
// below the ramp, takes f / factor (interpolation) above it, and mixes the two linearly across it. The
// ramp runs between the dims at which the original context makes beta_fast and beta_slow rotations.
double yarn_frequency(double f, int32_t i, int32_t n_rot, double theta, const RopeScaling& r) {
  const double dim = static_cast<double>(n_rot);
  auto corr_dim = [&](double rotations) {
    return dim * std::log(static_cast<double>(r.original_context) / (rotations * 2.0 * std::numbers::pi)) /
           (2.0 * std::log(theta));
  };
  double lo = corr_dim(r.beta_fast), hi = corr_dim(r.beta_slow);
  if (r.truncate) lo = std::floor(lo), hi = std::ceil(hi);
  lo = std::max(lo, 0.0);
  hi = std::min(hi, dim - 1.0);
  if (lo == hi) hi += 0.001;
  const double ramp = std::clamp((static_cast<double>(i) - lo) / (hi - lo), 0.0, 1.0);
  return f / r.factor * ramp + f * (1.0 - ramp);
}

}  // namespace

std::vector<double> rope_frequencies(const ModelConfig& c) {
  const int32_t half = c.n_rot / 2;
  std::vector<double> freq(static_cast<size_t>(half > 0 ? half : 0));
  const RopeScaling& r = c.rope_scaling;
  if (r.kind == RopeScalingKind::kFactors && r.freq_factors.size() != static_cast<size_t>(half)) {
    throw Error(ErrorKind::kInvalidArg, "rope frequency factors: " + std::to_string(r.freq_factors.size()) +
                                            " values for " + std::to_string(half) + " rotated pairs");
  }
  if (r.kind != RopeScalingKind::kNone && !(r.factor > 0.0)) {
    throw Error(ErrorKind::kInvalidArg, "rope scaling factor must be > 0");
  }
  if (r.kind == RopeScalingKind::kYarn && (r.original_context <= 0 || !(r.beta_fast > 0.0) || !(r.beta_slow > 0.0))) {
    throw Error(ErrorKind::kInvalidArg, "yarn rope scaling needs original_context, beta_fast and beta_slow > 0");
  }
  if (r.kind == RopeScalingKind::kLlama3 && !(r.high_freq_factor > r.low_freq_factor)) {
    throw Error(ErrorKind::kInvalidArg, "llama3 rope scaling needs high_freq_factor > low_freq_factor");
  }
  for (int32_t i = 0; i < half; ++i) {
    // theta^(-2i/n_rot) in double; the scalings below change it per pair.
    double f = std::pow(c.rope_theta, -2.0 * static_cast<double>(i) / static_cast<double>(c.n_rot));
    if (r.kind == RopeScalingKind::kLinear) f /= r.factor;
    else if (r.kind == RopeScalingKind::kLlama3) f = llama3_frequency(f, r);
    else if (r.kind == RopeScalingKind::kFactors) f /= r.freq_factors[static_cast<size_t>(i)];
    else if (r.kind == RopeScalingKind::kYarn) f = yarn_frequency(f, i, c.n_rot, c.rope_theta, r);
    freq[static_cast<size_t>(i)] = f;
  }
  return freq;
}

std::vector<double> local_rope_frequencies(const ModelConfig& c) {
  ModelConfig local = c;
  local.rope_theta = c.sliding_rope_theta;
  local.rope_scaling = RopeScaling{};
  return rope_frequencies(local);
}

std::vector<float> alibi_slopes(const ModelConfig& c) {
  int32_t n2 = 1;
  while (n2 < c.n_head) n2 *= 2;
  std::vector<double> base(static_cast<size_t>(n2));
  for (int32_t j = 0; j < n2; ++j) {
    base[static_cast<size_t>(j)] =
        std::pow(2.0, -static_cast<double>(c.alibi_max_bias) * static_cast<double>(j + 1) / static_cast<double>(n2));
  }
  std::vector<float> slopes;
  slopes.reserve(static_cast<size_t>(c.n_head));
  if (n2 == c.n_head) {
    for (const double b : base) slopes.push_back(static_cast<float>(b));
    return slopes;
  }
  for (int32_t j = 1; j < n2 && static_cast<int32_t>(slopes.size()) < c.n_head; j += 2) {
    slopes.push_back(static_cast<float>(base[static_cast<size_t>(j)]));
  }
  for (int32_t j = 0; j < n2 && static_cast<int32_t>(slopes.size()) < c.n_head; j += 2) {
    slopes.push_back(static_cast<float>(base[static_cast<size_t>(j)]));
  }
  return slopes;
}

}  // namespace sinkstream::model
