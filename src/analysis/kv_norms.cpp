#include "analysis/kv_norms.hpp"

#include <algorithm>
#include <cmath>

#include "sinkstream/error.hpp"

namespace sinkstream::analysis {

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

std::vector<HeadKvNorms> kv_norms(const ModelConfig& c, const Session& session, int64_t n_tokens, int32_t first) {
  const int32_t hd = c.head_dim;
  std::vector<HeadKvNorms> out;
  for (int32_t l = 0; l < c.n_layer; ++l) {
    if (c.window_of(l) > 0 && c.window_of(l) < n_tokens) continue;  // a sliding layer keeps only its window
    const CachedKv kv = session.cached_kv(l);
    std::vector<int64_t> row(static_cast<size_t>(n_tokens), -1);  // [n_tokens] row of each position in kv
    for (size_t i = 0; i < kv.positions.size(); ++i) {
      const int64_t p = kv.positions[i];
      if (p >= 0 && p < n_tokens) row[static_cast<size_t>(p)] = static_cast<int64_t>(i);
    }
    for (int64_t t = 0; t < n_tokens; ++t) {
      if (row[static_cast<size_t>(t)] < 0) {
        throw Error(ErrorKind::kInvalidArg, "K/V norms: the cache no longer holds position " + std::to_string(t) +
                                                " of the " + std::to_string(n_tokens) + " tokens (use the dense cache)");
      }
    }
    for (int32_t g = 0; g < c.n_head_kv; ++g) {
      HeadKvNorms r;
      r.layer = l;
      r.kv_head = g;
      std::vector<double> kn(static_cast<size_t>(n_tokens)), vn(static_cast<size_t>(n_tokens));
      for (int64_t t = 0; t < n_tokens; ++t) {
        const size_t off = static_cast<size_t>(row[static_cast<size_t>(t)]) * static_cast<size_t>(kv.kv_dim) +
                           static_cast<size_t>(g) * static_cast<size_t>(hd);
        kn[static_cast<size_t>(t)] = norm(kv.k.data() + off, hd);
        vn[static_cast<size_t>(t)] = norm(kv.v.data() + off, hd);
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

}  // namespace sinkstream::analysis
