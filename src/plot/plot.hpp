// Small static plots with cairo: line plots (perplexity against token index)
// and heatmaps (attention mass per layer x head). The format follows the file
// extension: .png (raster, width x height pixels) or .svg (vector, width x
// height px). No global state: every call opens, draws and closes its own surface.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace sinkstream::plot {

struct Series {
  std::string label;
  std::vector<double> x;  // [n]
  std::vector<double> y;  // [n]; non-finite values break the line
};

struct LinePlot {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<Series> series;  // drawn in order, colours from a fixed palette
  double y_min = NAN;          // y range; NaN: from the data
  double y_max = NAN;
  int width = 960;             // pixels (PNG) / px (SVG), 64..8192
  int height = 540;
};

struct Heatmap {
  std::string title;
  std::string x_label;                  // under the columns
  std::string y_label;                  // beside the rows
  std::string scale_label;              // beside the colour bar
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<double> values;           // [rows][cols]; non-finite cells are drawn grey
  std::vector<std::string> row_labels;  // [rows], or empty: 0..rows-1
  std::vector<std::string> col_labels;  // [cols], or empty: 0..cols-1
  double vmin = NAN;                    // colour scale range; NaN: the data's min / max
  double vmax = NAN;
  int width = 800;
  int height = 600;
};

// Throws Error(kInvalidArg) unless the path ends in .png or .svg (any case):
// lets a command refuse a bad --plot before a long run.
void check_plot_path(const std::string& path);

// Throw sinkstream::Error: kInvalidArg for an extension other than .png/.svg, a
// size out of range or inconsistent data (x/y lengths, values != rows*cols);
// kIo when the file cannot be written.
void save_line_plot(const LinePlot& plot, const std::string& path);
void save_heatmap(const Heatmap& map, const std::string& path);

}  // namespace sinkstream::plot
