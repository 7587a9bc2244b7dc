// A cairo drawing surface bound to an output file (PNG or SVG by extension),
// with the text helpers the plots share. RAII: the destructor releases cairo
// objects; finish() writes the file and reports errors.
#pragma once

#include <cairo.h>

#include <string>

namespace sinkstream::plot {

enum class Align { kLeft, kCenter, kRight };
enum class VAlign { kTop, kMiddle, kBottom };

struct Rgb {
  double r, g, b;
};

class Canvas {
 public:
  // Throws Error(kInvalidArg) for a bad extension or size, Error(kIo) when the
  // SVG file cannot be created.
  Canvas(const std::string& path, int width, int height);
  ~Canvas();
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;

  cairo_t* cr() const { return cr_; }
  int width() const { return width_; }
  int height() const { return height_; }

  void set_color(const Rgb& c, double alpha = 1.0) const;
  // Draws text anchored at (x, y); angle in radians (counter-clockwise negative
  // turns the text upward, as for a y-axis label).
  void text(double x, double y, const std::string& s, double size, Align h, VAlign v, double angle = 0.0,
            bool bold = false) const;
  double text_width(const std::string& s, double size, bool bold = false) const;

  // Writes the PNG / completes the SVG. Throws Error(kIo) naming the path.
  void finish();

 private:
  std::string path_;
  bool png_ = false;
  int width_, height_;
  cairo_surface_t* surface_ = nullptr;
  cairo_t* cr_ = nullptr;
};

}  // namespace sinkstream::plot
