// The median that `sinkstream bench` and its bandwidth probes report.
#pragma once

#include <algorithm>
#include <vector>

namespace sinkstream::eval {

// The median of v (the upper one for an even count); 0 for an empty v.
inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

}  // namespace sinkstream::eval
