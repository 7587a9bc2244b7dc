// Bridges a public sinkstream::AttentionProbe (include/sinkstream/probe.hpp)
// to the CPU backend's reference-attention probe: turns a query's spans of
// cache slots into the stream positions of its keys.
#pragma once

#include "backend/attention_probe.hpp"
#include "sinkstream/probe.hpp"

namespace sinkstream::api {

class ProbeAdapter final : public backend::AttentionProbe {
 public:
  explicit ProbeAdapter(const sinkstream::AttentionProbe& probe) : probe_(probe) {}

  void mask(const backend::AttentionArgs& a, const backend::QueryView& qv, int32_t h, float* scores,
            size_t n) const override;
  void observe(const backend::AttentionArgs& a, const backend::QueryView& qv, int32_t h, const float* p, size_t n,
               double extra) const override;

 private:
  const sinkstream::AttentionProbe& probe_;
};

}  // namespace sinkstream::api
