#include "analysis/head_mask.hpp"

#include <algorithm>
#include <limits>

namespace sinkstream::sinks {

HeadMask::HeadMask(int32_t n_head, int32_t first, std::vector<bool> selected)
    : n_head_(n_head), first_(first), selected_(std::move(selected)) {}

void HeadMask::mask(const backend::AttentionArgs& a, const backend::QueryView& qv, int32_t h, float* scores,
                    size_t n) const {
  const size_t idx = static_cast<size_t>(a.layer) * static_cast<size_t>(n_head_) + static_cast<size_t>(h);
  if (idx >= selected_.size() || !selected_[idx]) return;
  const int64_t* slot_pos = a.kv.slot_pos();
  int64_t qpos = -1;
  for (int32_t s = 0; s < qv.n_spans; ++s) {
    for (int32_t t = 0; t < qv.spans[s].count; ++t) qpos = std::max(qpos, slot_pos[qv.spans[s].slot_begin + t]);
  }
  if (qpos < first_) return;
  size_t i = 0;
  for (int32_t s = 0; s < qv.n_spans; ++s) {
    for (int32_t t = 0; t < qv.spans[s].count && i < n; ++t, ++i) {
      if (slot_pos[qv.spans[s].slot_begin + t] < first_) scores[i] = -std::numeric_limits<float>::infinity();
    }
  }
}

}  // namespace sinkstream::sinks
