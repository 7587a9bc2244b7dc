// The heatmaps of `sinkstream sinks` (layer rows x head columns), drawn with
// the plot module: first-token attention mass, and with ablation the change in
// mean NLL when a head loses its first K keys.
#pragma once

#include <string>
#include <vector>

#include "analysis/sink_report.hpp"

namespace sinkstream::analysis {

// Paths written for `prefix`: prefix + "first_mass.png", and prefix +
// "ablation.png" when the report has an ablation. (prefix "out/stories-" ->
// out/stories-first_mass.png.)
std::vector<std::string> heatmap_paths(const std::string& prefix, bool ablation);

// Writes the heatmaps; returns the paths written. Throws Error(kIo) when a
// file cannot be written.
std::vector<std::string> save_sink_heatmaps(const SinkReport& r, const std::string& prefix);

}  // namespace sinkstream::analysis
