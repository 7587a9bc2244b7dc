// Perplexity tables from per-token NLLs: pure arithmetic, no I/O.
//
// Indices count predicted tokens: nll[i] is the NLL of stream token i+1. A
// bucket of B predicted tokens has perplexity exp(mean NLL over the bucket); the
// last bucket may be shorter and is flagged `partial`. Overall perplexity is
// exp(mean NLL over all predicted tokens). The best policy is the one with the
// lowest overall perplexity; ratio_to_best[p] = overall[p] / overall[best].
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sinkstream::eval {

struct PplBucket {
  int64_t begin = 0;          // first predicted-token index in the bucket
  int64_t end = 0;            // one past the last
  bool partial = false;       // shorter than the bucket size (the stream's tail)
  std::vector<double> ppl;    // [n_policies]
};

struct PplTable {
  std::vector<std::string> policies;  // [n_policies]
  int64_t bucket = 0;                 // B
  int64_t n_predicted = 0;            // N: length of every NLL vector
  std::vector<PplBucket> buckets;     // [ceil(N / B)]
  std::vector<double> mean_nll;       // [n_policies]
  std::vector<double> overall;        // [n_policies] exp(mean_nll)
  std::vector<double> ratio_to_best;  // [n_policies]
  size_t best = 0;                    // index of the lowest overall perplexity
};

// nll: [n_policies][N]. Throws Error(kInvalidArg) when there is no policy, the
// lengths differ, B < 1, or N < B (the stream is shorter than one bucket).
PplTable make_ppl_table(const std::vector<std::string>& policies, const std::vector<std::vector<double>>& nll,
                        int64_t bucket);

// Trailing moving average: out[i] = mean(v[max(0, i-window+1) .. i]). [v.size()]
std::vector<double> moving_average(std::span<const double> v, size_t window);

}  // namespace sinkstream::eval
