// AttentionRecorder: an attention probe that accumulates, per (layer, head),
// the attention weights that queries at positions >= K put on every key
// position, their entropy and the sink logit's probability; finish() turns the
// sums into HeadAttention rows (means over those queries).
//
// Positions: a key's position is its cache slot position and a query's is the
// largest key position it sees (its own key). Both are stream positions under
// the dense cache, which the analysis uses.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "analysis/sink_report.hpp"
#include "backend/attention_probe.hpp"

namespace sinkstream::sinks {

class AttentionRecorder final : public backend::AttentionProbe {
 public:
  // n_keys: stream length (key positions 0..n_keys-1); first: K >= 1.
  AttentionRecorder(int32_t n_layer, int32_t n_head, int64_t n_keys, int32_t first);

  void observe(const backend::AttentionArgs& a, const backend::QueryView& qv, int32_t h, const float* p, size_t n,
               double extra) const override;

  // Rows [n_layer * n_head]; with_sink_logit: fill sink_logit_mass.
  std::vector<HeadAttention> finish(bool with_sink_logit) const;

 private:
  struct Acc {
    std::vector<double> key_sum;  // [n_keys]
    double entropy_sum = 0, extra_sum = 0;
    int64_t queries = 0;
  };
  int32_t n_layer_, n_head_;
  int64_t n_keys_;
  int32_t first_;
  std::unique_ptr<std::mutex[]> locks_;  // [n_layer * n_head]
  mutable std::vector<Acc> acc_;         // [n_layer * n_head], guarded by locks_
};

}  // namespace sinkstream::sinks
