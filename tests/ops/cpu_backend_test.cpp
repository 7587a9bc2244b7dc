// The CPU backend's elementwise and row ops (backend/backend.hpp) against
// values worked out by hand; matmul and attention are compared with their
// reference kernels in kernels_test.cpp and attention_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "backend/cpu/cpu_backend.hpp"

namespace sinkstream::test {
namespace {

TEST(CpuBackendOps, RmsAndLayerNormPerRow) {
  backend::cpu::CpuBackend be(1);
  const std::vector<float> x = {3, 4, 1, -1};  // two rows of 2
  const std::vector<float> w = {1, 2}, b = {0.5f, -0.5f};
  std::vector<float> out(4);
  be.rms_norm(out.data(), x.data(), w.data(), 2, 2, 0.0f);
  const double r0 = std::sqrt(12.5);  // rms of (3, 4)
  EXPECT_NEAR(out[0], 3 / r0, 1e-6);
  EXPECT_NEAR(out[1], 2 * 4 / r0, 1e-6);
  EXPECT_NEAR(out[2], 1.0, 1e-6);  // rms of (1, -1) is 1
  EXPECT_NEAR(out[3], -2.0, 1e-6);
  be.layer_norm(out.data(), x.data(), w.data(), b.data(), 2, 2, 0.0f);
  // (3, 4): mean 3.5, std 0.5 -> (-1, 1); (1, -1): mean 0, std 1 -> (1, -1).
  EXPECT_NEAR(out[0], -1 + 0.5, 1e-5);
  EXPECT_NEAR(out[1], 2 - 0.5, 1e-5);
  EXPECT_NEAR(out[2], 1 + 0.5, 1e-5);
  EXPECT_NEAR(out[3], -2 - 0.5, 1e-5);
}

TEST(CpuBackendOps, RopeRotatesEachRowAtItsPosition) {
  backend::cpu::CpuBackend be(1);
  const std::vector<double> freq = {1.0, 0.5};
  backend::RopeSpec spec;
  spec.n_heads = 2;
  spec.head_dim = 4;
  spec.n_rot = 4;
  spec.layout = RopeLayout::kInterleaved;
  spec.freq = freq.data();
  std::vector<float> a = {1, 0, 0, 1, 1, 0, 0, 1}, c = a;  // two heads of (1, 0, 0, 1)
  float* rows[2] = {a.data(), c.data()};
  const int64_t pos[2] = {1, 3};
  be.rope(spec, rows, pos, 2);
  for (int h = 0; h < 2; ++h) {
    // pair 0 = (1, 0) rotated by pos * 1; pair 1 = (0, 1) rotated by pos * 0.5.
    EXPECT_NEAR(a[h * 4 + 0], std::cos(1.0), 1e-6);
    EXPECT_NEAR(a[h * 4 + 1], std::sin(1.0), 1e-6);
    EXPECT_NEAR(a[h * 4 + 2], -std::sin(0.5), 1e-6);
    EXPECT_NEAR(a[h * 4 + 3], std::cos(0.5), 1e-6);
    EXPECT_NEAR(c[h * 4 + 0], std::cos(3.0), 1e-6);
    EXPECT_NEAR(c[h * 4 + 1], std::sin(3.0), 1e-6);
    EXPECT_NEAR(c[h * 4 + 2], -std::sin(1.5), 1e-6);
    EXPECT_NEAR(c[h * 4 + 3], std::cos(1.5), 1e-6);
  }
  spec.n_heads = 1;
  spec.layout = RopeLayout::kHalves;  // pairs (x0, x2), (x1, x3)
  std::vector<float> d = {1, 0, 0, 1};
  float* row = d.data();
  const int64_t p = 2;
  be.rope(spec, &row, &p, 1);
  EXPECT_NEAR(d[0], std::cos(2.0), 1e-6);
  EXPECT_NEAR(d[2], std::sin(2.0), 1e-6);
  EXPECT_NEAR(d[1], -std::sin(1.0), 1e-6);
  EXPECT_NEAR(d[3], std::cos(1.0), 1e-6);
}

TEST(CpuBackendOps, ActivationsGateAndAdd) {
  backend::cpu::CpuBackend be(1);
  std::vector<float> x = {0, 1, -2}, y = {5, 2, 1};
  be.silu_mul(x.data(), y.data(), 3);
  EXPECT_NEAR(x[0], 0.0, 1e-7);
  EXPECT_NEAR(x[1], 2.0 / (1.0 + std::exp(-1.0)), 1e-6);
  EXPECT_NEAR(x[2], -2.0 / (1.0 + std::exp(2.0)), 1e-6);
  // gpt-oss: gate clamped above at 7, up clamped to [-7, 7], (up + 1) * gate * sigmoid(1.702 gate).
  std::vector<float> go = {1, 9, -3, 2}, uo = {0.5f, 1, -9, 8};
  be.swiglu_oai(go.data(), uo.data(), 4, 1.702f, 7.0f);
  const auto oai = [](double g, double u) { return (u + 1.0) * g / (1.0 + std::exp(-1.702 * g)); };
  EXPECT_NEAR(go[0], oai(1, 0.5), 1e-6);
  EXPECT_NEAR(go[1], oai(7, 1), 1e-5);
  EXPECT_NEAR(go[2], oai(-3, -7), 1e-6);
  EXPECT_NEAR(go[3], oai(2, 7), 1e-6);
  std::vector<float> g = {0, 1};
  be.gelu_erf(g.data(), 2);
  EXPECT_NEAR(g[0], 0.0, 1e-7);
  EXPECT_NEAR(g[1], 0.5 * (1.0 + std::erf(1.0 / std::sqrt(2.0))), 1e-6);
  std::vector<float> t = {1};
  be.gelu(t.data(), 1);
  EXPECT_NEAR(t[0], 0.5 * (1.0 + std::tanh(std::sqrt(2.0 / std::numbers::pi) * 1.044715)), 1e-6);
  // Two tokens x two heads of head_dim 2; gate logits 0 -> 1/2, log(3) -> 3/4.
  std::vector<float> o = {2, 4, 2, 4, 8, 8, 8, 8};
  const std::vector<float> gl = {0, std::log(3.0f), std::log(3.0f), 0};
  be.head_gate(o.data(), gl.data(), 2, 2, 2);
  const std::vector<float> want = {1, 2, 1.5f, 3, 6, 6, 4, 4};
  for (size_t i = 0; i < o.size(); ++i) EXPECT_NEAR(o[i], want[i], 1e-5) << i;
  std::vector<float> s = {1, 2}, d = {10, 20};
  be.add(s.data(), d.data(), 2);
  EXPECT_EQ(s, (std::vector<float>{11, 22}));
}

TEST(CpuBackendOps, EmbeddingRows) {
  backend::cpu::CpuBackend be(1);
  const std::vector<float> table = {0, 1, 10, 11, 20, 21};  // 3 rows of 2, f32
  core::TensorView t;
  t.name = "tok_embd";
  t.type = core::DType::kF32;
  t.data = table.data();
  t.rows = 3;
  t.cols = 2;
  const int64_t ids[3] = {2, 0, 2};
  std::vector<float> out(6);
  be.embedding_rows(t, ids, 3, out.data());
  EXPECT_EQ(out, (std::vector<float>{20, 21, 0, 1, 20, 21}));
}

}  // namespace
}  // namespace sinkstream::test
