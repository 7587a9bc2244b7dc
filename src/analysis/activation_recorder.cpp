#include "analysis/activation_recorder.hpp"

#include <algorithm>
#include <cmath>

#include "sinkstream/error.hpp"

namespace sinkstream::analysis {

ActivationRecorder::ActivationRecorder(int32_t n_layer, int32_t n_embd, int64_t n_tokens)
    : n_layer_(n_layer), n_embd_(n_embd), n_tokens_(n_tokens),
      x_(static_cast<size_t>(n_layer),
         std::vector<float>(static_cast<size_t>(n_tokens) * static_cast<size_t>(n_embd), 0.0f)) {}

void ActivationRecorder::after_layer(int32_t layer, int64_t pos0, int64_t T, const float* x) {
  if (layer < 0 || layer >= n_layer_ || pos0 < 0 || pos0 + T > n_tokens_) {
    throw Error(ErrorKind::kRange, "activation recorder: layer " + std::to_string(layer) + ", positions " +
                                       std::to_string(pos0) + ".." + std::to_string(pos0 + T - 1) +
                                       " outside the recorded stream of " + std::to_string(n_tokens_));
  }
  const size_t D = static_cast<size_t>(n_embd_);
  std::copy_n(x, static_cast<size_t>(T) * D, x_[static_cast<size_t>(layer)].begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(pos0) * D));
}

std::vector<LayerActivations> ActivationRecorder::finish(int32_t top) const {
  std::vector<LayerActivations> out;
  for (int32_t l = 0; l < n_layer_; ++l) {
    const std::vector<float>& x = x_[static_cast<size_t>(l)];
    LayerActivations r;
    r.layer = l;
    std::vector<float> mag(x.size());
    for (size_t i = 0; i < x.size(); ++i) mag[i] = std::fabs(x[i]);
    if (!mag.empty()) {
      // Median: the mean of the two middle values for an even count.
      const size_t mid = mag.size() / 2;
      std::nth_element(mag.begin(), mag.begin() + static_cast<std::ptrdiff_t>(mid), mag.end());
      double med = mag[mid];
      if (mag.size() % 2 == 0) med = 0.5 * (med + *std::max_element(mag.begin(), mag.begin() + static_cast<std::ptrdiff_t>(mid)));
      r.median_abs = med;
    }
    std::vector<size_t> order(x.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    const size_t n_top = std::min(order.size(), static_cast<size_t>(std::max(top, 0)));
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_top), order.end(),
                      [&](size_t a, size_t b) {
                        const float ma = std::fabs(x[a]), mb = std::fabs(x[b]);
                        return ma != mb ? ma > mb : a < b;
                      });
    for (size_t k = 0; k < n_top; ++k) {
      Activation a;
      a.position = static_cast<int64_t>(order[k] / static_cast<size_t>(n_embd_));
      a.channel = static_cast<int32_t>(order[k] % static_cast<size_t>(n_embd_));
      a.value = x[order[k]];
      a.ratio = r.median_abs > 0 ? std::fabs(a.value) / r.median_abs : INFINITY;
      r.top.push_back(a);
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace sinkstream::analysis
