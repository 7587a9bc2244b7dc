#include "analysis/attention_recorder.hpp"

#include <algorithm>
#include <cmath>

#include "sinkstream/error.hpp"

namespace sinkstream::sinks {

AttentionRecorder::AttentionRecorder(int32_t n_layer, int32_t n_head, int64_t n_keys, int32_t first)
    : n_layer_(n_layer), n_head_(n_head), n_keys_(n_keys), first_(first),
      locks_(new std::mutex[static_cast<size_t>(n_layer) * static_cast<size_t>(n_head)]),
      acc_(static_cast<size_t>(n_layer) * static_cast<size_t>(n_head)) {
  if (first < 1 || n_keys <= first) {
    throw Error(ErrorKind::kInvalidArg, "attention statistics need 1 <= first (" + std::to_string(first) +
                                            ") < stream length (" + std::to_string(n_keys) + ")");
  }
  for (Acc& a : acc_) a.key_sum.assign(static_cast<size_t>(n_keys), 0.0);
}

void AttentionRecorder::observe(const backend::AttentionArgs& a, const backend::QueryView& qv, int32_t h, const float* p,
                                size_t n, double extra) const {
  const int64_t* slot_pos = a.kv.slot_pos();
  int64_t qpos = -1;
  for (int32_t s = 0; s < qv.n_spans; ++s) {
    for (int32_t t = 0; t < qv.spans[s].count; ++t) qpos = std::max(qpos, slot_pos[qv.spans[s].slot_begin + t]);
  }
  if (qpos < first_) return;
  double entropy = extra > 0 ? -extra * std::log(extra) : 0.0;
  for (size_t i = 0; i < n; ++i) {
    if (p[i] > 0) entropy -= static_cast<double>(p[i]) * std::log(static_cast<double>(p[i]));
  }
  const size_t idx = static_cast<size_t>(a.layer) * static_cast<size_t>(n_head_) + static_cast<size_t>(h);
  std::lock_guard<std::mutex> lock(locks_[idx]);
  Acc& acc = acc_[idx];
  size_t i = 0;
  for (int32_t s = 0; s < qv.n_spans; ++s) {
    for (int32_t t = 0; t < qv.spans[s].count; ++t, ++i) {
      const int64_t kp = slot_pos[qv.spans[s].slot_begin + t];
      if (kp >= 0 && kp < n_keys_) acc.key_sum[static_cast<size_t>(kp)] += p[i];
    }
  }
  acc.entropy_sum += entropy;
  acc.extra_sum += extra;
  ++acc.queries;
}

std::vector<HeadAttention> AttentionRecorder::finish(bool with_sink_logit) const {
  std::vector<HeadAttention> out;
  out.reserve(acc_.size());
  for (int32_t l = 0; l < n_layer_; ++l) {
    for (int32_t h = 0; h < n_head_; ++h) {
      const Acc& acc = acc_[static_cast<size_t>(l) * static_cast<size_t>(n_head_) + static_cast<size_t>(h)];
      const double nq = static_cast<double>(std::max<int64_t>(acc.queries, 1));
      HeadAttention r;
      r.layer = l;
      r.head = h;
      for (int32_t j = 0; j < first_; ++j) r.first_mass.push_back(acc.key_sum[static_cast<size_t>(j)] / nq);
      for (double m : r.first_mass) r.first_total += m;
      r.entropy = acc.entropy_sum / nq;
      std::vector<int64_t> order(static_cast<size_t>(n_keys_));
      for (int64_t k = 0; k < n_keys_; ++k) order[static_cast<size_t>(k)] = k;
      const size_t n_top = std::min<size_t>(3, order.size());
      std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_top), order.end(),
                        [&](int64_t x, int64_t y) {
                          const double mx = acc.key_sum[static_cast<size_t>(x)];
                          const double my = acc.key_sum[static_cast<size_t>(y)];
                          return mx != my ? mx > my : x < y;
                        });
      for (size_t k = 0; k < n_top; ++k) r.top.push_back({order[k], acc.key_sum[static_cast<size_t>(order[k])] / nq});
      if (with_sink_logit) r.sink_logit_mass = acc.extra_sum / nq;
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace sinkstream::sinks
