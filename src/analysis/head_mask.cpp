#include "analysis/head_mask.hpp"

#include <algorithm>
#include <limits>

namespace sinkstream::analysis {

HeadMask::HeadMask(int32_t n_head, int32_t first, std::vector<bool> selected)
    : n_head_(n_head), first_(first), selected_(std::move(selected)) {}

void HeadMask::mask(const AttentionSite& site, std::span<float> scores) const {
  const size_t idx = static_cast<size_t>(site.layer) * static_cast<size_t>(n_head_) + static_cast<size_t>(site.head);
  if (idx >= selected_.size() || !selected_[idx]) return;
  if (site.query_pos < first_) return;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (site.key_pos[i] < first_) scores[i] = -std::numeric_limits<float>::infinity();
  }
}

}  // namespace sinkstream::analysis
