// The perplexity plot: log-perplexity (trailing moving average of the NLL)
// against the stream position of the predicted token, one line per policy.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "eval/stream_ppl.hpp"

namespace sinkstream::eval {

// The moving-average window the plot uses for N predicted tokens and bucket B:
// N/40 clamped to [1, B]: smooth enough to tell overlapping lines apart,
// short enough to follow changes within a bucket.
size_t ppl_plot_smoothing(size_t n_predicted, size_t bucket);

// runs: [n_policies], all with the same number of NLLs. At most ~2,000 points
// per line are drawn (every k-th point of the moving average). Throws as
// plot::save_line_plot does.
void save_ppl_plot(const std::vector<PolicyNll>& runs, const std::string& model_name, size_t bucket,
                   const std::string& path);

}  // namespace sinkstream::eval
