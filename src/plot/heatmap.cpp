// save_heatmap: a grid of coloured cells (row 0 at the top), row and column
// labels (thinned when they would overlap), a vertical colour bar with ticks.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "plot/axes.hpp"
#include "plot/canvas.hpp"
#include "plot/palette.hpp"
#include "plot/plot.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::plot {

namespace {

// Label every k-th entry so that labels of `extent` pixels each fit in `room`.
int64_t label_stride(int64_t n, double room, double extent) {
  if (n <= 0 || room <= 0) return 1;
  const double per = room / static_cast<double>(n);
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(extent / per)));
}

void validate(const Heatmap& m, const std::string& path) {
  if (m.rows < 1 || m.cols < 1 || m.rows > 100000 || m.cols > 100000) {
    throw Error(ErrorKind::kInvalidArg, path + ": heatmap needs 1..100000 rows and columns, got " +
                                            std::to_string(m.rows) + "x" + std::to_string(m.cols));
  }
  if (static_cast<int64_t>(m.values.size()) != m.rows * m.cols) {
    throw Error(ErrorKind::kInvalidArg, path + ": heatmap has " + std::to_string(m.values.size()) + " values for " +
                                            std::to_string(m.rows) + "x" + std::to_string(m.cols) + " cells");
  }
  if (!m.row_labels.empty() && static_cast<int64_t>(m.row_labels.size()) != m.rows) {
    throw Error(ErrorKind::kInvalidArg, path + ": heatmap has " + std::to_string(m.row_labels.size()) +
                                            " row labels for " + std::to_string(m.rows) + " rows");
  }
  if (!m.col_labels.empty() && static_cast<int64_t>(m.col_labels.size()) != m.cols) {
    throw Error(ErrorKind::kInvalidArg, path + ": heatmap has " + std::to_string(m.col_labels.size()) +
                                            " column labels for " + std::to_string(m.cols) + " columns");
  }
}

}  // namespace

void save_heatmap(const Heatmap& m, const std::string& path) {
  validate(m, path);
  double lo = m.vmin, hi = m.vmax;
  if (std::isnan(lo) || std::isnan(hi)) {
    double dlo = INFINITY, dhi = -INFINITY;
    for (const double v : m.values) {
      if (!std::isfinite(v)) continue;
      dlo = std::min(dlo, v);
      dhi = std::max(dhi, v);
    }
    if (dlo > dhi) dlo = 0, dhi = 1;
    if (std::isnan(lo)) lo = dlo;
    if (std::isnan(hi)) hi = dhi;
  }
  if (!(hi > lo)) hi = lo + 1;

  Canvas c(path, m.width, m.height);
  cairo_t* cr = c.cr();
  const double fs = 11;
  auto row_label = [&](int64_t r) { return m.row_labels.empty() ? std::to_string(r) : m.row_labels[static_cast<size_t>(r)]; };
  auto col_label = [&](int64_t k) { return m.col_labels.empty() ? std::to_string(k) : m.col_labels[static_cast<size_t>(k)]; };
  double row_w = 0;
  for (int64_t r = 0; r < m.rows; ++r) row_w = std::max(row_w, c.text_width(row_label(r), fs));
  const double left = 40 + row_w, top = 50, bottom = m.height - 55.0, right = m.width - 110.0;
  const double cw = (right - left) / static_cast<double>(m.cols), ch = (bottom - top) / static_cast<double>(m.rows);

  for (int64_t r = 0; r < m.rows; ++r) {
    for (int64_t k = 0; k < m.cols; ++k) {
      const double v = m.values[static_cast<size_t>(r * m.cols + k)];
      if (std::isfinite(v)) c.set_color(viridis((v - lo) / (hi - lo)));
      else c.set_color({0.75, 0.75, 0.75});
      // Cells overlap by a hair so that no seams show in raster output.
      cairo_rectangle(cr, left + static_cast<double>(k) * cw, top + static_cast<double>(r) * ch, cw + 0.5, ch + 0.5);
      cairo_fill(cr);
    }
  }
  c.set_color({0.15, 0.15, 0.15});
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, left, top, right - left, bottom - top);
  cairo_stroke(cr);
  const int64_t rs = label_stride(m.rows, bottom - top, fs + 2);
  for (int64_t r = 0; r < m.rows; r += rs) {
    c.text(left - 6, top + (static_cast<double>(r) + 0.5) * ch, row_label(r), fs, Align::kRight, VAlign::kMiddle);
  }
  double col_w = 0;
  for (int64_t k = 0; k < m.cols; ++k) col_w = std::max(col_w, c.text_width(col_label(k), fs));
  const int64_t cs = label_stride(m.cols, right - left, col_w + 6);
  for (int64_t k = 0; k < m.cols; k += cs) {
    c.text(left + (static_cast<double>(k) + 0.5) * cw, bottom + 6, col_label(k), fs, Align::kCenter, VAlign::kTop);
  }
  c.text((left + right) / 2, bottom + 26, m.x_label, 13, Align::kCenter, VAlign::kTop);
  c.text(14, (top + bottom) / 2, m.y_label, 13, Align::kCenter, VAlign::kTop, -std::numbers::pi / 2);
  c.text(m.width / 2.0, top - 14, m.title, 15, Align::kCenter, VAlign::kBottom, 0, true);

  // Colour bar: 100 bands from lo (bottom) to hi (top), ticks on its right.
  const double bx = right + 20, bw = 16;
  for (int i = 0; i < 100; ++i) {
    c.set_color(viridis((i + 0.5) / 100.0));
    const double y1 = bottom - (bottom - top) * (i + 1) / 100.0;
    cairo_rectangle(cr, bx, y1, bw, (bottom - top) / 100.0 + 0.5);
    cairo_fill(cr);
  }
  c.set_color({0.15, 0.15, 0.15});
  cairo_rectangle(cr, bx, top, bw, bottom - top);
  const Ticks t = nice_ticks(lo, hi, 6);
  for (const double v : t.values) {
    if (v < lo - 1e-12 * std::fabs(hi - lo) || v > hi + 1e-12 * std::fabs(hi - lo)) continue;
    const double y = bottom - (v - lo) / (hi - lo) * (bottom - top);
    cairo_move_to(cr, bx + bw, y);
    cairo_line_to(cr, bx + bw + 4, y);
    c.text(bx + bw + 6, y, tick_label(v, t.step), fs, Align::kLeft, VAlign::kMiddle);
  }
  cairo_stroke(cr);
  c.text(m.width - 8.0, (top + bottom) / 2, m.scale_label, 12, Align::kCenter, VAlign::kBottom, -std::numbers::pi / 2);
  c.finish();
}

}  // namespace sinkstream::plot
