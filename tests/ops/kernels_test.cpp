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
#include "cache/sink_cache.hpp"
#include "core/dtype.hpp"
#include "core/f16.hpp"
#include "core/quantize.hpp"
#include "core/row_dot.hpp"
#include "hwy/targets.h"

namespace sinkstream {
namespace {

std::vector<float> random_vec(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

// A (rows, cols) matrix of type t with random content.
struct Matrix {
  Matrix(DType t, int64_t rows, int64_t cols, uint32_t seed) {
    const std::vector<float> f = random_vec(static_cast<size_t>(rows * cols), seed);
    const size_t rb = dtype_row_bytes(t, cols);
    bytes.resize(rb * static_cast<size_t>(rows) + 64);
    for (int64_t r = 0; r < rows; ++r) {
      const float* src = f.data() + r * cols;
      uint8_t* dst = bytes.data() + static_cast<size_t>(r) * rb;
      if (t == DType::kF32) {
        std::copy(src, src + cols, reinterpret_cast<float*>(dst));
      } else if (t == DType::kF16 || t == DType::kBF16) {
        for (int64_t i = 0; i < cols; ++i) {
          const uint16_t h = t == DType::kF16 ? f32_to_f16(src[i]) : f32_to_bf16(src[i]);
          dst[2 * i] = static_cast<uint8_t>(h & 0xFF);
          dst[2 * i + 1] = static_cast<uint8_t>(h >> 8);
        }
      } else {
        quantize_row_ref(t, src, dst, cols);
      }
    }
    view.type = t;
    view.data = bytes.data();
    view.rows = rows;
    view.cols = cols;
    view.name = "test";
  }
  std::vector<uint8_t> bytes;
  TensorView view;
};

TEST(Kernels, DispatchListsTheHighwayTargetsThisCpuRuns) {
  const auto avail = cpu::available_kernels();
  ASSERT_GE(avail.size(), 2u);  // at least emu128 and the reference
  EXPECT_TRUE(avail.back()->is_ref());
  EXPECT_NE(cpu::kernels_by_name("scalar"), nullptr);
  EXPECT_NE(cpu::kernels_by_name("ref"), nullptr);
  // Every target Highway generated and this CPU supports has a table.
  for (int64_t t : hwy::SupportedAndGeneratedTargets()) {
    bool found = false;
    for (const cpu::Kernels* k : avail) found = found || k->target == t;
    EXPECT_TRUE(found) << hwy::TargetName(t);
  }
  EXPECT_NE(cpu::active_kernels().name, nullptr);
}

TEST(Kernels, MatmulMatchesReferenceOnEveryTarget) {
  ThreadPool pool(2);
  const DType types[] = {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ6_K};
  const int64_t rows = 37;
  for (DType t : types) {
    // K-quants need multiples of 256; the plain types also get a ragged tail.
    const bool plain = t == DType::kF32 || t == DType::kF16 || t == DType::kBF16;
    const int64_t cols = t == DType::kQ4_K || t == DType::kQ6_K ? 512 : plain ? 263 : 320;
    Matrix m(t, rows, cols, 7);
    const std::vector<float> bias = random_vec(static_cast<size_t>(rows), 9);
    TensorView bv;
    bv.type = DType::kF32;
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
          row_dequantize_ref(t, m.view.row_ptr(r), wrow.data(), cols);
          ref[static_cast<size_t>(tt * rows + r)] = row_dot_ref(t, m.view.row_ptr(r), x, cols) + bias[static_cast<size_t>(r)];
          // Tolerance: f32 reassociation, plus 8-bit activations for the block quants.
          double b = 0.0, mag = 0.0;
          for (int64_t i = 0; i < cols; ++i) {
            float amax = 0.0f;
            if (!plain) {
              const int64_t b0 = i / 32 * 32;
              for (int64_t j = b0; j < b0 + 32; ++j) amax = std::max(amax, std::fabs(x[j]));
            }
            b += std::fabs(wrow[static_cast<size_t>(i)]) * amax / 254.0;
            mag += std::fabs(wrow[static_cast<size_t>(i)] * x[i]);
          }
          bound[static_cast<size_t>(tt * rows + r)] = static_cast<float>(1.01 * b + 2e-6 * mag + 1e-6);
        }
      }
      for (const cpu::Kernels* k : cpu::available_kernels()) {
        std::vector<float> Y(ref.size(), -1.0f);
        cpu::matmul_with(*k, m.view, X.data(), Y.data(), T, pool, &bv);
        for (size_t i = 0; i < Y.size(); ++i) {
          ASSERT_NEAR(Y[i], ref[i], bound[i]) << k->name << " " << dtype_name(t) << " T=" << T << " i=" << i;
        }
        // A chunk gives each row exactly what a single token gives.
        if (T > 1) {
          std::vector<float> y1(static_cast<size_t>(rows));
          cpu::matmul_with(*k, m.view, X.data() + (T - 1) * cols, y1.data(), 1, pool, &bv);
          for (int64_t r = 0; r < rows; ++r) {
            ASSERT_EQ(y1[static_cast<size_t>(r)], Y[static_cast<size_t>((T - 1) * rows + r)]) << k->name << " " << dtype_name(t);
          }
        }
      }
    }
  }
}

TEST(Kernels, MatmulMultiEqualsSeparateMatmuls) {
  ThreadPool pool(2);
  for (DType t : {DType::kQ8_0, DType::kF16}) {
    Matrix a(t, 40, 256, 1), b(t, 24, 256, 2), c(t, 8, 256, 3);
    const std::vector<float> bias = random_vec(24, 4);
    TensorView bv;
    bv.type = DType::kF32;
    bv.data = bias.data();
    bv.rows = 1;
    bv.cols = 24;
    const std::vector<float> X = random_vec(3 * 256, 5);
    std::vector<float> ya(3 * 40), yb(3 * 24), yc(3 * 8), ra(ya.size()), rb(yb.size()), rc(yc.size());
    const TensorView* ws[3] = {&a.view, &b.view, &c.view};
    const TensorView* bs[3] = {nullptr, &bv, nullptr};
    float* ys[3] = {ya.data(), yb.data(), yc.data()};
    cpu::matmul_multi(ws, X.data(), ys, 3, 3, pool, bs);
    cpu::matmul(a.view, X.data(), ra.data(), 3, pool);
    cpu::matmul(b.view, X.data(), rb.data(), 3, pool, &bv);
    cpu::matmul(c.view, X.data(), rc.data(), 3, pool);
    EXPECT_EQ(ya, ra);
    EXPECT_EQ(yb, rb);
    EXPECT_EQ(yc, rc);
  }
}

TEST(Kernels, ActivationQuantizationRoundTrips) {
  const std::vector<float> x = random_vec(64, 3, 5.0f);
  cpu::QActs q;
  cpu::quantize_acts(x.data(), 1, 64, &q);
  for (size_t i = 0; i < 64; ++i) {
    const float d = q.d[i / 32];
    EXPECT_NEAR(q.q[i] * d, x[i], d / 2 + 1e-6f);
  }
}

// Attention of T queries over a sink cache (2 sinks + window 5, dual rotation
// positions, GQA 4 query heads over 2 kv heads), flash vs reference.
void check_attention(bool f16, bool alibi, int sink_mode, int32_t key_chunk) {
  const int32_t n_head = 4, n_head_kv = 2, hd = 20, kv_dim = n_head_kv * hd, n_layer = 1;
  SinkCache cache(n_layer, kv_dim, 2, 5, 8, f16);
  const int64_t n_tok = 11, T = 3;
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> kk(static_cast<size_t>(kv_dim)), vv(kk.size());
  for (int64_t p = 0; p < n_tok - T; ++p) {
    for (auto& x : kk) x = u(rng);
    for (auto& x : vv) x = u(rng);
    cache.write(0, cache.append(p), kk.data(), vv.data(), {});
  }
  std::vector<KvPlacement> place;
  for (int64_t p = n_tok - T; p < n_tok; ++p) place.push_back(cache.append(p));
  for (const auto& pl : place) {
    for (auto& x : kk) x = u(rng);
    for (auto& x : vv) x = u(rng);
    cache.write(0, pl, kk.data(), vv.data(), {});
  }
  std::vector<std::vector<KvSpan>> spans(T);
  std::vector<std::vector<float>> qs(T);
  std::vector<std::vector<const float*>> qp(T);
  std::vector<cpu::QueryView> views(T);
  for (int64_t t = 0; t < T; ++t) {
    cache.spans(n_tok - T + t, &spans[static_cast<size_t>(t)]);
    const size_t ns = spans[static_cast<size_t>(t)].size();
    qs[static_cast<size_t>(t)].resize(ns * n_head * hd);
    for (auto& x : qs[static_cast<size_t>(t)]) x = 2.0f * u(rng);
    for (size_t s = 0; s < ns; ++s) qp[static_cast<size_t>(t)].push_back(qs[static_cast<size_t>(t)].data() + s * n_head * hd);
    views[static_cast<size_t>(t)] = {spans[static_cast<size_t>(t)].data(), static_cast<int32_t>(ns), qp[static_cast<size_t>(t)].data()};
  }
  const float slopes[4] = {0.5f, 0.25f, 0.125f, 0.0625f}, sinks[4] = {1.0f, -2.0f, 0.5f, 3.0f};
  cpu::AttentionArgs a;
  a.n_head = n_head;
  a.n_head_kv = n_head_kv;
  a.head_dim = hd;
  a.scale = 0.3f;
  a.cache = &cache;
  if (alibi) a.alibi_slopes = slopes;
  if (sink_mode == 1) a.sink_logits = sinks;
  if (sink_mode == 2) a.zero_sink_logit = true;
  ThreadPool pool(2);
  std::vector<float> ref(static_cast<size_t>(T * n_head * hd)), out(ref.size());
  cpu::attention_ref(a, views, ref.data(), pool);
  for (const cpu::Kernels* k : cpu::available_kernels()) {
    if (k->is_ref()) continue;
    cpu::attention_flash(*k, a, views, out.data(), pool, key_chunk);
    for (size_t i = 0; i < out.size(); ++i) {
      ASSERT_NEAR(out[i], ref[i], 2e-5f) << k->name << " f16=" << f16 << " alibi=" << alibi << " sink=" << sink_mode
                                         << " chunk=" << key_chunk << " i=" << i;
    }
  }
}

TEST(Kernels, FlashAttentionMatchesReference) {
  for (bool f16 : {false, true})
    for (bool alibi : {false, true})
      for (int sink : {0, 1, 2})
        for (int32_t chunk : {3, 256}) check_attention(f16, alibi, sink, chunk);
}

TEST(ThreadPool, SpinThenBlockRunsEveryChunkOnce) {
  for (int spin : {0, 50}) {
    ThreadPool pool(3, spin);
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
