#include "plot/palette.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace sinkstream::plot {

namespace {
constexpr Rgb hex(unsigned v) {
  return {((v >> 16) & 0xff) / 255.0, ((v >> 8) & 0xff) / 255.0, (v & 0xff) / 255.0};
}
constexpr std::array<Rgb, 10> kSeries = {hex(0x1f77b4), hex(0xd62728), hex(0x2ca02c), hex(0xff7f0e), hex(0x9467bd),
                                         hex(0x8c564b), hex(0xe377c2), hex(0x7f7f7f), hex(0xbcbd22), hex(0x17becf)};
// Viridis at t = 0, 0.1, ..., 1.
constexpr std::array<Rgb, 11> kViridis = {hex(0x440154), hex(0x482475), hex(0x414487), hex(0x355f8d),
                                          hex(0x2a788e), hex(0x21918c), hex(0x22a884), hex(0x44bf70),
                                          hex(0x7ad151), hex(0xbddf26), hex(0xfde725)};
}  // namespace

Rgb series_color(size_t i) { return kSeries[i % kSeries.size()]; }

Rgb viridis(double t) {
  if (!std::isfinite(t)) t = 0;
  t = std::clamp(t, 0.0, 1.0) * static_cast<double>(kViridis.size() - 1);
  const size_t i = std::min(static_cast<size_t>(t), kViridis.size() - 2);
  const double f = t - static_cast<double>(i);
  const Rgb& a = kViridis[i];
  const Rgb& b = kViridis[i + 1];
  return {a.r + f * (b.r - a.r), a.g + f * (b.g - a.g), a.b + f * (b.b - a.b)};
}

}  // namespace sinkstream::plot
