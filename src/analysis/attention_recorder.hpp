// AttentionRecorder: an attention probe that accumulates, per (layer, head),
// the attention weights that queries at positions >= K put on every key
// position, their entropy and the sink logit's probability; finish() turns the
// sums into HeadAttention rows (means over those queries).
//
// Positions: AttentionSite's key and query stream positions (the analysis runs
// the dense cache, which keeps every key).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "analysis/sink_report.hpp"
#include "sinkstream/probe.hpp"

namespace sinkstream::analysis {

class AttentionRecorder final : public AttentionProbe {
 public:
  // n_keys: stream length (key positions 0..n_keys-1); first: K >= 1.
  AttentionRecorder(int32_t n_layer, int32_t n_head, int64_t n_keys, int32_t first);

  void observe(const AttentionSite& site, std::span<const float> p, double extra) const override;

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

}  // namespace sinkstream::analysis
