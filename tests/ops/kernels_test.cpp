// Every dispatched SIMD kernel against its scalar reference, on every Highway
// target this machine runs (emu128 "scalar", avx2, avx512, avx512vnni, ...):
// matmul per weight type (decode T = 1 and GEMM chunks T > 1, with bias),
// flash-decoding attention against attention_head, and the thread pool.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <random>
#include <vector>

#include "backend/cpu/act_quant.hpp"
#include "backend/cpu/attention.hpp"
#include "backend/cpu/kernels.hpp"
#include "backend/cpu/ops.hpp"
#include "cache/kv_cache.hpp"
#include "cache/sink_policy.hpp"
#include "core/dtype.hpp"
#include "core/f16.hpp"
#include "core/quantize.hpp"
#include "core/row_dot.hpp"
#include "support/kernel_tolerance.hpp"
#include "support/random_weights.hpp"
#include "hwy/targets.h"

namespace sinkstream {
namespace {

using test::random_vec;

// 64 bytes of slack after the last row of each test matrix.
constexpr size_t kSlack = 64;

TEST(Kernels, DispatchListsTheHighwayTargetsThisCpuRuns) {
  const auto avail = backend::cpu::available_kernels();
  ASSERT_GE(avail.size(), 2u);  // at least emu128 and the reference
  EXPECT_TRUE(avail.back()->is_ref());
  EXPECT_NE(backend::cpu::kernels_by_name("scalar"), nullptr);
  EXPECT_NE(backend::cpu::kernels_by_name("ref"), nullptr);
  // Every target Highway generated and this CPU supports has a table.
  for (int64_t t : hwy::SupportedAndGeneratedTargets()) {
    bool found = false;
    for (const backend::cpu::Kernels* k : avail) found = found || k->target == t;
    EXPECT_TRUE(found) << hwy::TargetName(t);
  }
  EXPECT_NE(backend::cpu::active_kernels().name, nullptr);
}

TEST(Kernels, MatmulMatchesReferenceOnEveryTarget) {
  core::ThreadPool pool(2);
  const core::DType types[] = {core::DType::kF32, core::DType::kF16, core::DType::kBF16, core::DType::kQ8_0, core::DType::kQ4_0, core::DType::kQ4_K, core::DType::kQ5_K,
                               core::DType::kQ6_K, core::DType::kMXFP4};
  const int64_t rows = 37;
  for (core::DType t : types) {
    // K-quants need multiples of 256; the plain types also get a ragged tail.
    const bool plain = t == core::DType::kF32 || t == core::DType::kF16 || t == core::DType::kBF16;
    const bool k_quant = t == core::DType::kQ4_K || t == core::DType::kQ5_K || t == core::DType::kQ6_K;
    const int64_t cols = k_quant ? 512 : plain ? 263 : 320;
    test::RandomMatrix m(t, rows, cols, 7, kSlack);
    const std::vector<float> bias = random_vec(static_cast<size_t>(rows), 9);
    core::TensorView bv;
    bv.type = core::DType::kF32;
    bv.data = bias.data();
    bv.rows = 1;
    bv.cols = rows;
    for (int64_t T : {1, 6}) {
      const std::vector<float> X = random_vec(static_cast<size_t>(T * cols), 11, 2.0f);
      std::vector<float> ref(static_cast<size_t>(T * rows)), bound(ref.size());
      for (int64_t tt = 0; tt < T; ++tt) {
        const float* x = X.data() + tt * cols;
        std::vector<float> wrow(static_cast<size_t>(cols));
        for (int64_t r = 0; r < rows; ++r) {
          core::row_dequantize_ref(t, m.view.row_ptr(r), wrow.data(), cols);
          ref[static_cast<size_t>(tt * rows + r)] = core::row_dot_ref(t, m.view.row_ptr(r), x, cols) + bias[static_cast<size_t>(r)];
          // Tolerance: f32 reassociation, plus 8-bit activations for the block quants.
          bound[static_cast<size_t>(tt * rows + r)] = test::dot_tolerance(wrow.data(), x, cols, !plain);
        }
      }
      for (const backend::cpu::Kernels* k : backend::cpu::available_kernels()) {
        std::vector<float> Y(ref.size(), -1.0f);
        backend::cpu::matmul_with(*k, m.view, X.data(), Y.data(), T, pool, &bv);
        for (size_t i = 0; i < Y.size(); ++i) {
          ASSERT_NEAR(Y[i], ref[i], bound[i]) << k->name << " " << core::dtype_name(t) << " T=" << T << " i=" << i;
        }
        // A chunk gives each row exactly what a single token gives.
        if (T > 1) {
          std::vector<float> y1(static_cast<size_t>(rows));
          backend::cpu::matmul_with(*k, m.view, X.data() + (T - 1) * cols, y1.data(), 1, pool, &bv);
          for (int64_t r = 0; r < rows; ++r) {
            ASSERT_EQ(y1[static_cast<size_t>(r)], Y[static_cast<size_t>((T - 1) * rows + r)]) << k->name << " " << core::dtype_name(t);
          }
        }
      }
    }
  }
}

TEST(Kernels, MatmulMultiEqualsSeparateMatmuls) {
  core::ThreadPool pool(2);
  for (core::DType t : {core::DType::kQ8_0, core::DType::kF16}) {
    test::RandomMatrix a(t, 40, 256, 1, kSlack), b(t, 24, 256, 2, kSlack), c(t, 8, 256, 3, kSlack);
    const std::vector<float> bias = random_vec(24, 4);
    core::TensorView bv;
    bv.type = core::DType::kF32;
    bv.data = bias.data();
    bv.rows = 1;
    bv.cols = 24;
    const std::vector<float> X = random_vec(3 * 256, 5);
    std::vector<float> ya(3 * 40), yb(3 * 24), yc(3 * 8), ra(ya.size()), rb(yb.size()), rc(yc.size());
    const core::TensorView* ws[3] = {&a.view, &b.view, &c.view};
    const core::TensorView* bs[3] = {nullptr, &bv, nullptr};
    float* ys[3] = {ya.data(), yb.data(), yc.data()};
    backend::cpu::matmul_multi(ws, X.data(), ys, 3, 3, pool, bs);
    backend::cpu::matmul(a.view, X.data(), ra.data(), 3, pool);
    backend::cpu::matmul(b.view, X.data(), rb.data(), 3, pool, &bv);
    backend::cpu::matmul(c.view, X.data(), rc.data(), 3, pool);
    EXPECT_EQ(ya, ra);
    EXPECT_EQ(yb, rb);
    EXPECT_EQ(yc, rc);
  }
}

TEST(Kernels, ActivationQuantizationRoundTrips) {
  const std::vector<float> x = random_vec(64, 3, 5.0f);
  backend::cpu::QActs q;
  backend::cpu::quantize_acts(x.data(), 1, 64, &q);
  for (size_t i = 0; i < 64; ++i) {
    const float d = q.d[i / 32];
    EXPECT_NEAR(q.q[i] * d, x[i], d / 2 + 1e-6f);
  }
}

// Shape of one attention check: heads, cache (sinks + window slots), tokens
// streamed (the last T are the queries, written as one chunk).
struct AttnShape {
  int32_t n_head, n_head_kv, hd;
  int32_t sinks, window;
  int64_t n_tok, T;
  float scale;
};

// Attention of T queries over a sink cache (dual rotation positions: each span
// gets its own random query rows), flash vs reference. The tolerance is
// relative to the output scale (f32 rounding of sums of up to ~100 terms).
void check_attention(const AttnShape& sh, bool f16, bool alibi, int sink_mode, int32_t key_chunk) {
  const int32_t n_head = sh.n_head, n_head_kv = sh.n_head_kv, hd = sh.hd, kv_dim = n_head_kv * hd, n_layer = 1;
  const int64_t n_tok = sh.n_tok, T = sh.T;
  cache::KvCache cache(std::make_unique<cache::SinkPolicy>(sh.sinks, sh.window, std::max<int32_t>(8, static_cast<int32_t>(T) + 1)),
                       n_layer, kv_dim, f16);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> kk(static_cast<size_t>(kv_dim)), vv(kk.size());
  for (int64_t p = 0; p < n_tok - T; ++p) {
    for (auto& x : kk) x = u(rng);
    for (auto& x : vv) x = u(rng);
    cache.write(0, cache.append(p), kk.data(), vv.data(), {});
  }
  std::vector<backend::KvPlacement> place;
  for (int64_t p = n_tok - T; p < n_tok; ++p) place.push_back(cache.append(p));
  for (const auto& pl : place) {
    for (auto& x : kk) x = u(rng);
    for (auto& x : vv) x = u(rng);
    cache.write(0, pl, kk.data(), vv.data(), {});
  }
  std::vector<std::vector<backend::KvSpan>> spans(T);
  std::vector<std::vector<float>> qs(T);
  std::vector<std::vector<const float*>> qp(T);
  std::vector<backend::QueryView> views(T);
  for (int64_t t = 0; t < T; ++t) {
    const size_t ti = static_cast<size_t>(t);
    cache.spans(n_tok - T + t, &spans[ti]);
    const size_t ns = spans[ti].size();
    const size_t qd = static_cast<size_t>(n_head * hd);
    qs[ti].resize(ns * qd);
    for (auto& x : qs[ti]) x = 2.0f * u(rng);
    for (size_t s = 0; s < ns; ++s) qp[ti].push_back(qs[ti].data() + s * qd);
    views[ti] = {spans[ti].data(), static_cast<int32_t>(ns), qp[ti].data()};
  }
  std::vector<float> slopes(static_cast<size_t>(n_head)), sinks(slopes.size());
  for (int32_t h = 0; h < n_head; ++h) {
    slopes[static_cast<size_t>(h)] = std::ldexp(1.0f, -(h % 8) - 1);
    sinks[static_cast<size_t>(h)] = static_cast<float>(h % 5) - 2.0f;
  }
  backend::AttentionArgs a;
  a.n_head = n_head;
  a.n_head_kv = n_head_kv;
  a.head_dim = hd;
  a.scale = sh.scale;
  a.kv = cache.view();
  if (alibi) a.alibi_slopes = slopes.data();
  if (sink_mode == 1) a.sink_logits = sinks.data();
  if (sink_mode == 2) a.zero_sink_logit = true;
  core::ThreadPool pool(2);
  std::vector<float> ref(static_cast<size_t>(T * n_head * hd)), out(ref.size());
  backend::cpu::attention_ref(a, views, ref.data(), pool);
  float out_scale = 1.0f;
  for (float x : ref) out_scale = std::max(out_scale, std::fabs(x));
  for (const backend::cpu::Kernels* k : backend::cpu::available_kernels()) {
    if (k->is_ref()) continue;
    std::fill(out.begin(), out.end(), std::nanf(""));
    backend::cpu::attention_flash(*k, a, views, out.data(), pool, key_chunk);
    for (size_t i = 0; i < out.size(); ++i) {
      ASSERT_NEAR(out[i], ref[i], 2e-5f * out_scale)
          << k->name << " heads=" << n_head << "/" << n_head_kv << " hd=" << hd << " f16=" << f16
          << " alibi=" << alibi << " sink=" << sink_mode << " chunk=" << key_chunk << " i=" << i;
    }
  }
}

// 2 sinks + window 5, 11 tokens, T = 3 queries; GQA 4 query heads over 2 kv heads, head_dim 20.
TEST(Kernels, FlashAttentionMatchesReference) {
  const AttnShape sh{4, 2, 20, 2, 5, 11, 3, 0.3f};
  for (bool f16 : {false, true})
    for (bool alibi : {false, true})
      for (int sink : {0, 1, 2})
        for (int32_t chunk : {3, 256}) check_attention(sh, f16, alibi, sink, chunk);
}

// The group kernel's paths: 4 x 4 dot blocks for G = 1 (MHA, 16 keys per
// block), 2, 3 and 5 (heads padded to 4 / 8); key pairs x heads in lanes for
// 2 G = lanes (G = 4 on AVX2, 8 on AVX-512, odd spans leave a dropped lane);
// heads in lanes for G = 8 (AVX2), 32 (MQA); head_dim 8, 16, 20,
// 32, 64, 72 (multiples and non-multiples of 4, 8, 16 lanes); ring wrap-around
// (three spans, each with its own query rows); T = 1 and T > 1; chunk sizes
// that cut spans and key blocks (3, 5, 16, 256) and key counts that are not a
// multiple of the block.
TEST(Kernels, FlashAttentionGroupShapes) {
  const AttnShape shapes[] = {
      {4, 4, 16, 2, 37, 60, 2, 0.25f},     // G = 1, wrapped ring
      {4, 2, 8, 3, 21, 30, 4, 0.35f},      // G = 2, hd 8
      {6, 2, 20, 1, 13, 29, 3, 0.2f},      // G = 3, hd 20
      {8, 2, 24, 3, 33, 58, 3, 0.2f},      // G = 4, hd 24 (key pairs on AVX2)
      {10, 2, 12, 4, 19, 41, 1, 0.3f},     // G = 5, hd 12
      {16, 2, 64, 4, 45, 77, 2, 0.125f},   // G = 8, hd 64, wrapped
      {8, 1, 32, 4, 70, 75, 5, 0.18f},     // G = 8 MQA, hd 32, T = 5
      {32, 1, 72, 2, 23, 40, 1, 0.12f},    // G = 32 MQA, hd 72
      {32, 4, 64, 4, 300, 290, 1, 0.125f}  // TinyLlama heads, 290 keys in 2 spans
  };
  for (const AttnShape& sh : shapes)
    for (bool f16 : {false, true})
      for (bool alibi : {false, true})
        for (int sink : {0, 1})
          for (int32_t chunk : {3, 5, 16, 256}) check_attention(sh, f16, alibi, sink, chunk);
}

TEST(ThreadPool, SpinThenBlockRunsEveryChunkOnce) {
  for (int spin : {0, 50}) {
    core::ThreadPool pool(3, spin);
    for (int rep = 0; rep < 200; ++rep) {
      std::vector<std::atomic<int>> hits(97);
      pool.parallel_for(97, [&](int64_t b, int64_t e, int) {
        for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
      });
      for (auto& h : hits) ASSERT_EQ(h.load(), 1);
    }
  }
}

}  // namespace
}  // namespace sinkstream
