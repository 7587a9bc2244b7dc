// Colours: a qualitative palette for lines and the viridis scale for heatmaps.
#pragma once

#include <cstddef>

#include "plot/canvas.hpp"

namespace sinkstream::plot {

// Distinct line colours (cycled after 10).
Rgb series_color(size_t i);

// Viridis colour for t in [0, 1] (clamped), interpolated between 11 anchor colours.
Rgb viridis(double t);

}  // namespace sinkstream::plot
