#include "analysis/kv_norms.hpp"

#include <algorithm>
#include <cmath>

#include "sinkstream/error.hpp"

namespace sinkstream::sinks {

namespace {

double norm(const float* v, int32_t n) {
  double s = 0;
  for (int32_t i = 0; i < n; ++i) s += static_cast<double>(v[i]) * v[i];
  return std::sqrt(s);
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) m = 0.5 * (m + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid)));
  return m;
}

}  // namespace

std::vector<HeadKvNorms> kv_norms(const ModelConfig& c, const backend::KvView& cache, int64_t n_tokens, int32_t first) {
  if (cache.is_f16()) throw Error(ErrorKind::kInvalidArg, "K/V norms need an f32 cache");
  if (cache.n_slots() < n_tokens) {
    throw Error(ErrorKind::kInvalidArg, "K/V norms: the cache holds " + std::to_string(cache.n_slots()) +
                                            " slots, fewer than the " + std::to_string(n_tokens) + " tokens");
  }
  const int32_t hd = c.head_dim;
  std::vector<HeadKvNorms> out;
  for (int32_t l = 0; l < c.n_layer; ++l) {
    for (int32_t g = 0; g < c.n_head_kv; ++g) {
      HeadKvNorms r;
      r.layer = l;
      r.kv_head = g;
      std::vector<double> kn(static_cast<size_t>(n_tokens)), vn(static_cast<size_t>(n_tokens));
      for (int64_t t = 0; t < n_tokens; ++t) {
        const int32_t slot = static_cast<int32_t>(t);
        kn[static_cast<size_t>(t)] = norm(cache.k(l, slot) + static_cast<size_t>(g) * static_cast<size_t>(hd), hd);
        vn[static_cast<size_t>(t)] = norm(cache.v(l, slot) + static_cast<size_t>(g) * static_cast<size_t>(hd), hd);
      }
      const int64_t k_first = std::min<int64_t>(first, n_tokens);
      r.key_first.assign(kn.begin(), kn.begin() + k_first);
      r.value_first.assign(vn.begin(), vn.begin() + k_first);
      r.key_median = median(kn);
      r.value_median = median(vn);
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace sinkstream::sinks
