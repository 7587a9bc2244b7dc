#include "eval/ppl_table.hpp"

#include <algorithm>
#include <cmath>

#include "sinkstream/error.hpp"

namespace sinkstream::eval {

namespace {
double mean(std::span<const double> v) {
  double s = 0;
  for (const double x : v) s += x;
  return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}
}  // namespace

PplTable make_ppl_table(const std::vector<std::string>& policies, const std::vector<std::vector<double>>& nll,
                        int64_t bucket) {
  if (policies.empty() || policies.size() != nll.size()) {
    throw Error(ErrorKind::kInvalidArg, "perplexity table: " + std::to_string(policies.size()) + " policy names for " +
                                            std::to_string(nll.size()) + " NLL columns");
  }
  if (bucket < 1) throw Error(ErrorKind::kInvalidArg, "bucket size must be >= 1, got " + std::to_string(bucket));
  const size_t n = nll[0].size();
  for (size_t p = 1; p < nll.size(); ++p) {
    if (nll[p].size() != n) {
      throw Error(ErrorKind::kInvalidArg, "perplexity table: policy " + policies[p] + " has " +
                                              std::to_string(nll[p].size()) + " NLL values, " + policies[0] +
                                              " has " + std::to_string(n));
    }
  }
  if (static_cast<int64_t>(n) < bucket) {
    throw Error(ErrorKind::kInvalidArg, "the stream has " + std::to_string(n) +
                                            " predicted tokens, shorter than one bucket of " + std::to_string(bucket) +
                                            "; give a longer stream or a smaller --bucket");
  }
  PplTable t;
  t.policies = policies;
  t.bucket = bucket;
  t.n_predicted = static_cast<int64_t>(n);
  for (int64_t b = 0; b < t.n_predicted; b += bucket) {
    PplBucket row;
    row.begin = b;
    row.end = std::min(t.n_predicted, b + bucket);
    row.partial = row.end - row.begin < bucket;
    for (const auto& col : nll) {
      const std::span<const double> s(col.data() + row.begin, static_cast<size_t>(row.end - row.begin));
      row.ppl.push_back(std::exp(mean(s)));
    }
    t.buckets.push_back(std::move(row));
  }
  for (const auto& col : nll) {
    t.mean_nll.push_back(mean(col));
    t.overall.push_back(std::exp(t.mean_nll.back()));
  }
  t.best = static_cast<size_t>(std::min_element(t.overall.begin(), t.overall.end()) - t.overall.begin());
  for (const double o : t.overall) t.ratio_to_best.push_back(o / t.overall[t.best]);
  return t;
}

std::vector<double> moving_average(std::span<const double> v, size_t window) {
  window = std::max<size_t>(1, window);
  std::vector<double> out(v.size());
  double sum = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    sum += v[i];
    if (i >= window) sum -= v[i - window];
    out[i] = sum / static_cast<double>(std::min(i + 1, window));
  }
  return out;
}

}  // namespace sinkstream::eval
