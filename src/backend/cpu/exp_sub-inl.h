// x[i] = exp(x[i] - m) for i < n; returns the sum (m >= max x: no overflow).
// The softmax numerator of the attention kernels. Highway per-target code:
// included at the top of kernels_hwy.cpp and attention_hwy.cpp, whose
// foreach_target passes compile it once per target (the toggle guard below is
// Highway's convention for such headers).
#if defined(SINKSTREAM_BACKEND_CPU_EXP_SUB_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SINKSTREAM_BACKEND_CPU_EXP_SUB_INL_H_
#undef SINKSTREAM_BACKEND_CPU_EXP_SUB_INL_H_
#else
#define SINKSTREAM_BACKEND_CPU_EXP_SUB_INL_H_
#endif

#include <cmath>
#include <cstddef>

#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace sinkstream::backend::cpu {
namespace HWY_NAMESPACE {

HWY_INLINE float ExpSubSum(float* x, size_t n, float m) {
  namespace hn = hwy::HWY_NAMESPACE;
  const hn::ScalableTag<float> df;
  const size_t N = hn::Lanes(df);
  const auto vm = hn::Set(df, m);
  auto sum = hn::Zero(df);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    const auto e = hn::Exp(df, hn::Sub(hn::LoadU(df, x + i), vm));
    hn::StoreU(e, df, x + i);
    sum = hn::Add(sum, e);
  }
  float tail = 0.0f;
  for (; i < n; ++i) {
    x[i] = std::exp(x[i] - m);
    tail += x[i];
  }
  return hn::GetLane(hn::SumOfLanes(df, sum)) + tail;
}

}  // namespace HWY_NAMESPACE
}  // namespace sinkstream::backend::cpu
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
