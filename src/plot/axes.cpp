#include "plot/axes.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>

namespace sinkstream::plot {

Ticks nice_ticks(double lo, double hi, int max_ticks) {
  Ticks t;
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = hi = 0;
  if (lo > hi) std::swap(lo, hi);
  if (hi - lo < 1e-12 * std::max(1.0, std::fabs(lo))) {
    lo -= 0.5;
    hi += 0.5;
  }
  const double raw = (hi - lo) / std::max(1, max_ticks);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * mag;
  for (const double m : {1.0, 2.0, 5.0}) {
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  }
  t.step = step;
  t.lo = std::floor(lo / step + 1e-9) * step;
  t.hi = std::ceil(hi / step - 1e-9) * step;
  const int n = static_cast<int>(std::lround((t.hi - t.lo) / step));
  for (int i = 0; i <= n; ++i) {
    double v = t.lo + i * step;
    if (std::fabs(v) < step * 1e-9) v = 0;  // no "-0"
    t.values.push_back(v);
  }
  return t;
}

std::string tick_label(double v, double step) {
  char buf[64];
  const double a = std::fabs(v);
  if (a != 0 && (a >= 1e7 || a < 1e-4)) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
  }
  int decimals = 0;
  if (step < 1) decimals = static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  std::snprintf(buf, sizeof buf, "%.*f", std::min(decimals, 10), v);
  return buf;
}

void draw_axes(const Canvas& c, const Frame& f, const std::string& title, const std::string& x_label,
               const std::string& y_label) {
  cairo_t* cr = c.cr();
  const double fs = 12;
  // Grid.
  c.set_color({0.90, 0.90, 0.90});
  cairo_set_line_width(cr, 1);
  for (const double v : f.x.values) {
    cairo_move_to(cr, f.px(v), f.top);
    cairo_line_to(cr, f.px(v), f.bottom);
  }
  for (const double v : f.y.values) {
    cairo_move_to(cr, f.left, f.py(v));
    cairo_line_to(cr, f.right, f.py(v));
  }
  cairo_stroke(cr);
  // Frame and ticks.
  c.set_color({0.15, 0.15, 0.15});
  cairo_rectangle(cr, f.left, f.top, f.right - f.left, f.bottom - f.top);
  for (const double v : f.x.values) {
    cairo_move_to(cr, f.px(v), f.bottom);
    cairo_line_to(cr, f.px(v), f.bottom + 5);
    c.text(f.px(v), f.bottom + 8, tick_label(v, f.x.step), fs, Align::kCenter, VAlign::kTop);
  }
  double widest = 0;
  for (const double v : f.y.values) {
    cairo_move_to(cr, f.left - 5, f.py(v));
    cairo_line_to(cr, f.left, f.py(v));
    const std::string s = tick_label(v, f.y.step);
    widest = std::max(widest, c.text_width(s, fs));
    c.text(f.left - 8, f.py(v), s, fs, Align::kRight, VAlign::kMiddle);
  }
  cairo_stroke(cr);
  // Labels and title.
  c.text((f.left + f.right) / 2, f.bottom + 30, x_label, 13, Align::kCenter, VAlign::kTop);
  c.text(f.left - widest - 18, (f.top + f.bottom) / 2, y_label, 13, Align::kCenter, VAlign::kBottom,
         -std::numbers::pi / 2);
  // The title shrinks to fit the canvas width.
  const double tw = c.text_width(title, 15, true);
  const double ts = tw > c.width() - 20 ? std::max(7.0, 15 * (c.width() - 20) / tw) : 15;
  c.text(c.width() / 2.0, f.top - 14, title, ts, Align::kCenter, VAlign::kBottom, 0, true);
}

}  // namespace sinkstream::plot
