#include "analysis/sink_heatmaps.hpp"

#include <algorithm>
#include <filesystem>

#include "plot/plot.hpp"

namespace sinkstream::analysis {

namespace {

plot::Heatmap grid(const SinkReport& r, const std::string& title, const std::string& scale) {
  plot::Heatmap m;
  m.title = title;
  m.x_label = "head";
  m.y_label = "layer";
  m.scale_label = scale;
  m.rows = r.n_layer;
  m.cols = r.n_head;
  m.values.assign(static_cast<size_t>(r.n_layer) * static_cast<size_t>(r.n_head), 0.0);
  m.width = std::clamp(260 + 48 * r.n_head, 640, 2400);
  m.height = std::clamp(200 + 36 * r.n_layer, 420, 2400);
  return m;
}

std::string base_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

}  // namespace

std::vector<std::string> heatmap_paths(const std::string& prefix, bool ablation) {
  std::vector<std::string> p{prefix + "first_mass.png"};
  if (ablation) p.push_back(prefix + "ablation.png");
  return p;
}

std::vector<std::string> save_sink_heatmaps(const SinkReport& r, const std::string& prefix) {
  const std::vector<std::string> paths = heatmap_paths(prefix, r.ablation.has_value());
  const std::string model = base_name(r.model_path);
  plot::Heatmap mass = grid(r, "First-token attention mass: " + model + ", " + std::to_string(r.n_tokens) + " tokens",
                            "mean weight on position 0");
  for (const HeadAttention& h : r.heads) {
    mass.values[static_cast<size_t>(h.layer) * static_cast<size_t>(r.n_head) + static_cast<size_t>(h.head)] =
        h.first_mass[0];
  }
  mass.vmin = 0.0;
  plot::save_heatmap(mass, paths[0]);
  if (r.ablation) {
    plot::Heatmap d = grid(r, "Ablation: change in mean NLL without the first " + std::to_string(r.first) +
                                  " keys: " + model,
                           "delta NLL (nats)");
    for (const HeadDelta& h : r.ablation->heads) {
      d.values[static_cast<size_t>(h.layer) * static_cast<size_t>(r.n_head) + static_cast<size_t>(h.head)] = h.delta;
    }
    plot::save_heatmap(d, paths[1]);
  }
  return paths;
}

}  // namespace sinkstream::analysis
