#include "plot/canvas.hpp"

#include <cairo-svg.h>

#include <algorithm>
#include <cctype>

#include "plot/plot.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::plot {

namespace {
std::string lower_extension(const std::string& path) {
  const size_t dot = path.rfind('.');
  const size_t slash = path.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = path.substr(dot);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}
}  // namespace

void check_plot_path(const std::string& path) {
  const std::string ext = lower_extension(path);
  if (ext != ".png" && ext != ".svg") {
    throw Error(ErrorKind::kInvalidArg, path + ": plot file must end in .png or .svg");
  }
}

Canvas::Canvas(const std::string& path, int width, int height) : path_(path), width_(width), height_(height) {
  check_plot_path(path);
  if (width < 64 || height < 64 || width > 8192 || height > 8192) {
    throw Error(ErrorKind::kInvalidArg, path + ": plot size " + std::to_string(width) + "x" + std::to_string(height) +
                                            " is outside 64..8192 pixels");
  }
  png_ = lower_extension(path) == ".png";
  if (png_) {
    surface_ = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
  } else {
    surface_ = cairo_svg_surface_create(path.c_str(), width, height);
    if (cairo_surface_status(surface_) == CAIRO_STATUS_SUCCESS) {
      cairo_svg_surface_set_document_unit(surface_, CAIRO_SVG_UNIT_PX);
    }
  }
  if (cairo_surface_status(surface_) != CAIRO_STATUS_SUCCESS) {
    const std::string why = cairo_status_to_string(cairo_surface_status(surface_));
    cairo_surface_destroy(surface_);
    throw Error(ErrorKind::kIo, path + ": cannot create plot: " + why);
  }
  cr_ = cairo_create(surface_);
  cairo_set_source_rgb(cr_, 1, 1, 1);
  cairo_paint(cr_);
}

Canvas::~Canvas() {
  if (cr_ != nullptr) cairo_destroy(cr_);
  if (surface_ != nullptr) cairo_surface_destroy(surface_);
}

void Canvas::set_color(const Rgb& c, double alpha) const { cairo_set_source_rgba(cr_, c.r, c.g, c.b, alpha); }

double Canvas::text_width(const std::string& s, double size, bool bold) const {
  cairo_select_font_face(cr_, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr_, size);
  cairo_text_extents_t e;
  cairo_text_extents(cr_, s.c_str(), &e);
  return e.x_advance;
}

void Canvas::text(double x, double y, const std::string& s, double size, Align h, VAlign v, double angle,
                  bool bold) const {
  if (s.empty()) return;
  const double w = text_width(s, size, bold);  // also selects the font
  cairo_font_extents_t fe;
  cairo_font_extents(cr_, &fe);
  double dx = 0, dy = 0;
  if (h == Align::kCenter) dx = -w / 2;
  if (h == Align::kRight) dx = -w;
  if (v == VAlign::kTop) dy = fe.ascent;
  if (v == VAlign::kMiddle) dy = (fe.ascent - fe.descent) / 2;
  cairo_save(cr_);
  cairo_translate(cr_, x, y);
  cairo_rotate(cr_, angle);
  cairo_move_to(cr_, dx, dy);
  cairo_show_text(cr_, s.c_str());
  cairo_restore(cr_);
}

void Canvas::finish() {
  cairo_destroy(cr_);
  cr_ = nullptr;
  cairo_status_t st = CAIRO_STATUS_SUCCESS;
  if (png_) {
    st = cairo_surface_write_to_png(surface_, path_.c_str());
  } else {
    cairo_surface_finish(surface_);
    st = cairo_surface_status(surface_);
  }
  cairo_surface_destroy(surface_);
  surface_ = nullptr;
  if (st != CAIRO_STATUS_SUCCESS) {
    throw Error(ErrorKind::kIo, path_ + ": cannot write plot: " + cairo_status_to_string(st));
  }
}

}  // namespace sinkstream::plot
