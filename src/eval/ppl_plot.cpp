#include "eval/ppl_plot.hpp"

#include <algorithm>

#include "plot/plot.hpp"
#include "eval/ppl_table.hpp"

namespace sinkstream::eval {

size_t ppl_plot_smoothing(size_t n_predicted, size_t bucket) {
  return std::clamp<size_t>(n_predicted / 40, 1, std::max<size_t>(1, bucket));
}

void save_ppl_plot(const std::vector<PolicyNll>& runs, const std::string& model_name, size_t bucket,
                   const std::string& path) {
  plot::LinePlot p;
  const size_t n = runs.empty() ? 0 : runs[0].nll.size();
  const size_t smooth = ppl_plot_smoothing(n, bucket);
  const size_t stride = std::max<size_t>(1, n / 2000);
  std::string policies;
  for (const auto& r : runs) {
    policies += (policies.empty() ? "" : ", ") + r.policy;
    const std::vector<double> avg = moving_average(r.nll, smooth);
    plot::Series s;
    s.label = r.policy;
    for (size_t i = 0; i < avg.size(); i += stride) {
      s.x.push_back(static_cast<double>(i + 1));  // stream position of the predicted token
      s.y.push_back(avg[i]);
    }
    if (n > 0 && (n - 1) % stride != 0) {
      s.x.push_back(static_cast<double>(n));
      s.y.push_back(avg[n - 1]);
    }
    p.series.push_back(std::move(s));
  }
  p.title = model_name + ": " + policies;
  p.x_label = "token position";
  p.y_label = "log perplexity (NLL, moving average of " + std::to_string(smooth) + " tokens)";
  plot::save_line_plot(p, path);
}

}  // namespace sinkstream::eval
