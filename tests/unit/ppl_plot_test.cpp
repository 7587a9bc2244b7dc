// Plot files: valid PNG (signature, IHDR size) and SVG (width/height), the
// colours we asked for present in the pixels (read back through cairo's own PNG
// reader), axis tick arithmetic, and bad arguments.
#include <cairo.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "plot/axes.hpp"
#include "plot/plot.hpp"
#include "sinkstream/error.hpp"
#include "support/paths.hpp"

namespace sinkstream {
namespace {

uint32_t be32(const std::string& b, size_t at) {
  return (static_cast<uint32_t>(static_cast<unsigned char>(b[at])) << 24) |
         (static_cast<uint32_t>(static_cast<unsigned char>(b[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<unsigned char>(b[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<unsigned char>(b[at + 3]));
}

// PNG: 8-byte signature, then the IHDR chunk (length 13) with width and height.
void expect_png(const std::string& path, uint32_t w, uint32_t h) {
  const std::string b = test::read_file(path);
  ASSERT_GE(b.size(), 33u) << path;
  EXPECT_EQ(b.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(be32(b, 8), 13u);
  EXPECT_EQ(b.substr(12, 4), "IHDR");
  EXPECT_EQ(be32(b, 16), w);
  EXPECT_EQ(be32(b, 20), h);
}

// The number in attribute `name="123px"` of the <svg ...> tag; NaN if absent or
// not followed by px / a closing quote.
double svg_attribute(const std::string& tag, const std::string& name) {
  const size_t at = tag.find(" " + name + "=\"");
  if (at == std::string::npos) return NAN;
  const char* begin = tag.c_str() + at + name.size() + 3;
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  if (end == begin || (std::strncmp(end, "px\"", 3) != 0 && *end != '"')) return NAN;
  return v;
}

void expect_svg(const std::string& path, int w, int h) {
  const std::string s = test::read_file(path);
  const size_t open = s.find("<svg");
  ASSERT_NE(open, std::string::npos) << path;
  const std::string tag = s.substr(open, s.find('>', open) - open);
  EXPECT_DOUBLE_EQ(svg_attribute(tag, "width"), w) << tag;
  EXPECT_DOUBLE_EQ(svg_attribute(tag, "height"), h) << tag;
  EXPECT_NE(s.find("</svg>"), std::string::npos);
}

// Counts pixels within `tol` (0..255 per channel) of an RGB colour.
int count_color(const std::string& png, uint32_t rgb, int tol) {
  cairo_surface_t* s = cairo_image_surface_create_from_png(png.c_str());
  EXPECT_EQ(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
  cairo_surface_flush(s);
  const int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
  const int stride = cairo_image_surface_get_stride(s);
  const unsigned char* d = cairo_image_surface_get_data(s);
  int n = 0;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint32_t px = 0;
      std::memcpy(&px, d + y * stride + x * 4, 4);  // native-endian 0xAARRGGBB
      const int r = static_cast<int>((px >> 16) & 0xff), g = static_cast<int>((px >> 8) & 0xff),
                b = static_cast<int>(px & 0xff);
      if (std::abs(r - static_cast<int>((rgb >> 16) & 0xff)) <= tol &&
          std::abs(g - static_cast<int>((rgb >> 8) & 0xff)) <= tol && std::abs(b - static_cast<int>(rgb & 0xff)) <= tol) {
        ++n;
      }
    }
  }
  cairo_surface_destroy(s);
  return n;
}

plot::LinePlot two_lines() {
  plot::LinePlot p;
  p.title = "test plot";
  p.x_label = "token position";
  p.y_label = "log perplexity";
  p.width = 640;
  p.height = 400;
  plot::Series a{"dense", {}, {}}, b{"sink:4:124", {}, {}};
  for (int i = 0; i < 200; ++i) {
    a.x.push_back(i);
    a.y.push_back(3 + std::sin(i / 10.0));
    b.x.push_back(i);
    b.y.push_back(i == 100 ? NAN : 2 + 0.01 * i);  // a gap in the line
  }
  p.series = {a, b};
  return p;
}

TEST(LinePlot, PngHasTheSizeAndTheSeriesColours) {
  test::TempDir dir;
  const std::string png = dir.file("lines.png");
  plot::save_line_plot(two_lines(), png);
  expect_png(png, 640, 400);
  EXPECT_GT(count_color(png, 0x1f77b4, 40), 50);  // first series colour
  EXPECT_GT(count_color(png, 0xd62728, 40), 50);  // second series colour
}

TEST(LinePlot, SvgHasTheSize) {
  test::TempDir dir;
  const std::string svg = dir.file("lines.SVG");
  plot::save_line_plot(two_lines(), svg);
  expect_svg(svg, 640, 400);
}

TEST(LinePlot, EmptyAndSinglePointPlotsStillDraw) {
  test::TempDir dir;
  plot::LinePlot p;
  plot::save_line_plot(p, dir.file("empty.png"));
  expect_png(dir.file("empty.png"), 960, 540);
  p.series.push_back({"one", {5}, {7}});
  plot::save_line_plot(p, dir.file("one.svg"));
  expect_svg(dir.file("one.svg"), 960, 540);
}

TEST(LinePlot, BadArgumentsAreErrors) {
  test::TempDir dir;
  auto p = two_lines();
  EXPECT_THROW(plot::save_line_plot(p, dir.file("x.jpg")), Error);
  EXPECT_THROW(plot::save_line_plot(p, dir.file("png")), Error);
  EXPECT_THROW(plot::save_line_plot(p, dir.file("no_such_dir/x.png")), Error);
  EXPECT_THROW(plot::save_line_plot(p, dir.file("no_such_dir/x.svg")), Error);
  p.width = 10;
  EXPECT_THROW(plot::save_line_plot(p, dir.file("x.png")), Error);
  p = two_lines();
  p.series[0].y.pop_back();
  EXPECT_THROW(plot::save_line_plot(p, dir.file("x.png")), Error);
  EXPECT_NO_THROW(plot::check_plot_path("a/b.Png"));
  EXPECT_THROW(plot::check_plot_path("a.png/b"), Error);
}

TEST(Heatmap, CellsUseTheViridisEndsAndFilesHaveTheSize) {
  test::TempDir dir;
  plot::Heatmap m;
  m.title = "attention mass on the first token";
  m.x_label = "head";
  m.y_label = "layer";
  m.scale_label = "mass";
  m.rows = 3;
  m.cols = 4;
  m.values = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, NAN};
  m.width = 500;
  m.height = 300;
  plot::save_heatmap(m, dir.file("map.png"));
  expect_png(dir.file("map.png"), 500, 300);
  // Viridis ends: #440154 (minimum, cell 0) and #fde725 (maximum, cell 10) fill whole cells.
  EXPECT_GT(count_color(dir.file("map.png"), 0x440154, 3), 500);
  EXPECT_GT(count_color(dir.file("map.png"), 0xfde725, 3), 500);
  EXPECT_GT(count_color(dir.file("map.png"), 0xbfbfbf, 3), 500);  // the NaN cell is grey
  m.row_labels = {"L0", "L1", "L2"};
  plot::save_heatmap(m, dir.file("map.svg"));
  expect_svg(dir.file("map.svg"), 500, 300);
  m.values.pop_back();
  EXPECT_THROW(plot::save_heatmap(m, dir.file("bad.png")), Error);
  m.values.push_back(0);
  m.col_labels = {"h0"};
  EXPECT_THROW(plot::save_heatmap(m, dir.file("bad.png")), Error);
}

TEST(Axes, NiceTicksByHand) {
  const plot::Ticks a = plot::nice_ticks(0, 19999, 10);
  EXPECT_DOUBLE_EQ(a.step, 2000);
  EXPECT_DOUBLE_EQ(a.lo, 0);
  EXPECT_DOUBLE_EQ(a.hi, 20000);
  EXPECT_EQ(a.values.size(), 11u);
  // (7.9 - 2.3) / 5 = 1.12 -> step 2; range widened to [2, 8].
  const plot::Ticks b = plot::nice_ticks(2.3, 7.9, 5);
  EXPECT_DOUBLE_EQ(b.step, 2);
  EXPECT_EQ(b.values, (std::vector<double>{2, 4, 6, 8}));
  const plot::Ticks c = plot::nice_ticks(-0.12, 0.31, 8);  // 0.43 / 8 = 0.054 -> 0.1
  EXPECT_NEAR(c.step, 0.1, 1e-15);
  EXPECT_NEAR(c.lo, -0.2, 1e-12);
  EXPECT_NEAR(c.hi, 0.4, 1e-12);
  const plot::Ticks d = plot::nice_ticks(5, 5, 4);  // degenerate: a unit range around the value
  EXPECT_LE(d.lo, 4.5);
  EXPECT_GE(d.hi, 5.5);
  EXPECT_EQ(plot::tick_label(0.30000000000000004, 0.1), "0.3");
  EXPECT_EQ(plot::tick_label(20000, 2000), "20000");
  EXPECT_EQ(plot::tick_label(0.25, 0.05), "0.25");
}

}  // namespace
}  // namespace sinkstream
