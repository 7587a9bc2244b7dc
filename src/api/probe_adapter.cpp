#include "api/probe_adapter.hpp"

#include <algorithm>
#include <vector>

namespace sinkstream::api {

namespace {

// key_pos [n]: the stream position of each key in span order; returns the
// query's position (the largest key position: its own key).
int64_t key_positions(const backend::AttentionArgs& a, const backend::QueryView& qv, size_t n, std::vector<int64_t>* key_pos) {
  const int64_t* slot_pos = a.kv.slot_pos();
  key_pos->clear();
  key_pos->reserve(n);
  int64_t qpos = -1;
  for (int32_t s = 0; s < qv.n_spans; ++s) {
    for (int32_t t = 0; t < qv.spans[s].count && key_pos->size() < n; ++t) {
      const int64_t p = slot_pos[qv.spans[s].slot_begin + t];
      key_pos->push_back(p);
      qpos = std::max(qpos, p);
    }
  }
  return qpos;
}

// The site of head h's query over n keys; key_pos (filled here) backs site.key_pos.
AttentionSite make_site(const backend::AttentionArgs& a, const backend::QueryView& qv, int32_t h, size_t n,
                        std::vector<int64_t>* key_pos) {
  AttentionSite site;
  site.layer = a.layer;
  site.head = h;
  site.query_pos = key_positions(a, qv, n, key_pos);
  site.key_pos = *key_pos;
  return site;
}

}  // namespace

void ProbeAdapter::mask(const backend::AttentionArgs& a, const backend::QueryView& qv, int32_t h, float* scores,
                        size_t n) const {
  std::vector<int64_t> pos;  // [n]
  probe_.mask(make_site(a, qv, h, n, &pos), std::span<float>(scores, n));
}

void ProbeAdapter::observe(const backend::AttentionArgs& a, const backend::QueryView& qv, int32_t h, const float* p, size_t n,
                           double extra) const {
  std::vector<int64_t> pos;  // [n]
  probe_.observe(make_site(a, qv, h, n, &pos), std::span<const float>(p, n), extra);
}

}  // namespace sinkstream::api
