// Axis arithmetic and drawing shared by the plots: "nice" tick values
// (1, 2, 5 x 10^k steps), tick labels, and a data -> pixel frame.
#pragma once

#include <string>
#include <vector>

#include "plot/canvas.hpp"

namespace sinkstream::plot {

struct Ticks {
  double lo = 0, hi = 1;        // the axis range, widened outward to whole steps
  double step = 1;              // 1, 2 or 5 times a power of ten
  std::vector<double> values;   // lo, lo + step, ..., hi
};

// Ticks covering [lo, hi] with at most about max_ticks steps. lo == hi (or
// non-finite input) gives a unit range around the value.
Ticks nice_ticks(double lo, double hi, int max_ticks);

// A tick label with as many decimals as the step needs; large and small
// magnitudes in scientific notation ("2e+04" style avoided for integers below 1e7).
std::string tick_label(double v, double step);

// The plotting area in pixels and the data ranges it shows.
struct Frame {
  double left, top, right, bottom;  // pixels
  Ticks x, y;
  double px(double x_value) const { return left + (x_value - x.lo) / (x.hi - x.lo) * (right - left); }
  double py(double y_value) const { return bottom - (y_value - y.lo) / (y.hi - y.lo) * (bottom - top); }
};

// Light grid, frame, ticks with labels, axis labels and title.
void draw_axes(const Canvas& c, const Frame& f, const std::string& title, const std::string& x_label,
               const std::string& y_label);

}  // namespace sinkstream::plot
