// save_line_plot: axes, one polyline per series, legend in the upper right.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "plot/axes.hpp"
#include "plot/canvas.hpp"
#include "plot/palette.hpp"
#include "plot/plot.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::plot {

namespace {

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
};

void draw_series(const Canvas& c, const Frame& f, const Series& s, const Rgb& color) {
  cairo_t* cr = c.cr();
  c.set_color(color);
  cairo_set_line_width(cr, 1.6);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  bool pen_down = false;
  for (size_t i = 0; i < s.x.size(); ++i) {
    if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) {
      pen_down = false;
      continue;
    }
    if (pen_down) cairo_line_to(cr, f.px(s.x[i]), f.py(s.y[i]));
    else cairo_move_to(cr, f.px(s.x[i]), f.py(s.y[i]));
    pen_down = true;
  }
  cairo_stroke(cr);
  // Few points (a sweep over depths, say): mark each one.
  if (s.x.size() <= 50) {
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      cairo_new_sub_path(cr);
      cairo_arc(cr, f.px(s.x[i]), f.py(s.y[i]), 3.5, 0, 2 * std::numbers::pi);
    }
    cairo_fill(cr);
  }
}

void draw_legend(const Canvas& c, const Frame& f, const std::vector<Series>& series) {
  if (series.empty()) return;
  const double fs = 12, line_h = 18, swatch = 24, pad = 8;
  double w = 0;
  for (const auto& s : series) w = std::max(w, c.text_width(s.label, fs));
  const double box_w = pad * 3 + swatch + w;
  const double box_h = pad * 2 + line_h * static_cast<double>(series.size());
  const double x0 = f.right - box_w - 10, y0 = f.top + 10;
  cairo_t* cr = c.cr();
  c.set_color({1, 1, 1}, 0.85);
  cairo_rectangle(cr, x0, y0, box_w, box_h);
  cairo_fill_preserve(cr);
  c.set_color({0.6, 0.6, 0.6});
  cairo_set_line_width(cr, 1);
  cairo_stroke(cr);
  for (size_t i = 0; i < series.size(); ++i) {
    const double y = y0 + pad + line_h * (static_cast<double>(i) + 0.5);
    c.set_color(series_color(i));
    cairo_set_line_width(cr, 2.5);
    cairo_move_to(cr, x0 + pad, y);
    cairo_line_to(cr, x0 + pad + swatch, y);
    cairo_stroke(cr);
    c.set_color({0.1, 0.1, 0.1});
    c.text(x0 + pad * 2 + swatch, y, series[i].label, fs, Align::kLeft, VAlign::kMiddle);
  }
}

}  // namespace

void save_line_plot(const LinePlot& plot, const std::string& path) {
  Range xr, yr;
  for (const auto& s : plot.series) {
    if (s.x.size() != s.y.size()) {
      throw Error(ErrorKind::kInvalidArg, path + ": series '" + s.label + "' has " + std::to_string(s.x.size()) +
                                              " x values and " + std::to_string(s.y.size()) + " y values");
    }
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      xr.add(s.x[i]);
      yr.add(s.y[i]);
    }
  }
  if (xr.lo > xr.hi) xr = {0, 1};
  if (yr.lo > yr.hi) yr = {0, 1};
  if (!std::isnan(plot.y_min)) yr.lo = plot.y_min;
  if (!std::isnan(plot.y_max)) yr.hi = plot.y_max;
  Canvas c(path, plot.width, plot.height);
  Frame f{};
  f.left = 90;
  f.top = 50;
  f.right = plot.width - 25.0;
  f.bottom = plot.height - 60.0;
  f.x = nice_ticks(xr.lo, xr.hi, std::max(2, static_cast<int>((f.right - f.left) / 90)));
  f.y = nice_ticks(yr.lo, yr.hi, std::max(2, static_cast<int>((f.bottom - f.top) / 50)));
  draw_axes(c, f, plot.title, plot.x_label, plot.y_label);
  cairo_save(c.cr());
  // Clip a little outside the frame, so that lines on the axis range's edge stay visible.
  cairo_rectangle(c.cr(), f.left - 5, f.top - 5, f.right - f.left + 10, f.bottom - f.top + 10);
  cairo_clip(c.cr());
  for (size_t i = 0; i < plot.series.size(); ++i) draw_series(c, f, plot.series[i], series_color(i));
  cairo_restore(c.cr());
  draw_legend(c, f, plot.series);
  c.finish();
}

}  // namespace sinkstream::plot
