#include "model/moe_block.hpp"

#include <algorithm>
#include <cmath>

namespace sinkstream::model::blocks {

namespace {

// Rows [r0, r0 + n) of a matrix view (shares its storage).
core::TensorView row_block(const core::TensorView& m, int64_t r0, int64_t n) {
  core::TensorView v = m;
  v.data = m.row_ptr(r0);
  v.rows = n;
  return v;
}

// Elements [off, off + n) of an f32 vector view.
core::TensorView vec_slice(const core::TensorView& v, int64_t off, int64_t n) {
  core::TensorView s = v;
  s.data = v.f32() + off;
  s.cols = n;
  return s;
}

}  // namespace

void route_tokens(const ModelConfig& c, const float* logits, int64_t T, int32_t* experts, float* weights) {
  const int32_t E = c.n_expert, K = c.n_expert_used;
  for (int64_t t = 0; t < T; ++t) {
    const float* lg = logits + t * E;
    int32_t* ex = experts + t * K;
    float* wt = weights + t * K;
    for (int32_t j = 0; j < K; ++j) {  // selection of the K largest, in decreasing order
      int32_t best = -1;
      for (int32_t e = 0; e < E; ++e) {
        if (std::find(ex, ex + j, e) != ex + j) continue;
        if (best < 0 || lg[e] > lg[best]) best = e;
      }
      ex[j] = best;
    }
    const float m = lg[ex[0]];
    float sum = 0.0f;
    for (int32_t j = 0; j < K; ++j) sum += wt[j] = std::exp(lg[ex[j]] - m);
    for (int32_t j = 0; j < K; ++j) wt[j] /= sum;
  }
}

void moe_block(const ModelConfig& c, const LayerWeights& L, backend::Backend& be, ForwardScratch& s, const float* in,
               int64_t T) {
  const int64_t E = c.n_expert, K = c.n_expert_used, D = c.n_embd, F = c.n_ff;
  MoeScratch& m = s.moe;
  m.logits.resize(static_cast<size_t>(T * E));
  m.experts.resize(static_cast<size_t>(T * K));
  m.weights.resize(m.experts.size());
  be.matmul(L.ffn_gate_inp, in, m.logits.data(), T, &L.ffn_gate_inp_b);
  route_tokens(c, m.logits.data(), T, m.experts.data(), m.weights.data());
  m.xin.resize(static_cast<size_t>(T * D));
  m.hg.resize(static_cast<size_t>(T * F));
  m.hu.resize(m.hg.size());
  m.out.resize(m.xin.size());
  m.rows.resize(static_cast<size_t>(T));
  m.row_weight.resize(static_cast<size_t>(T));
  std::fill_n(s.proj.data(), T * D, 0.0f);
  for (int64_t e = 0; e < E; ++e) {
    int64_t n = 0;  // the chunk's tokens routed to expert e, gathered into xin[n][D]
    for (int64_t t = 0; t < T; ++t) {
      for (int64_t j = 0; j < K; ++j) {
        if (m.experts[static_cast<size_t>(t * K + j)] != e) continue;
        m.rows[static_cast<size_t>(n)] = t;
        m.row_weight[static_cast<size_t>(n)] = m.weights[static_cast<size_t>(t * K + j)];
        std::copy_n(in + t * D, D, m.xin.data() + n * D);
        ++n;
      }
    }
    if (n == 0) continue;
    const core::TensorView gate = row_block(L.ffn_gate_exps, e * F, F), up = row_block(L.ffn_up_exps, e * F, F);
    const core::TensorView gb = vec_slice(L.ffn_gate_exps_b, e * F, F), ub = vec_slice(L.ffn_up_exps_b, e * F, F);
    const core::TensorView down = row_block(L.ffn_down_exps, e * D, D), db = vec_slice(L.ffn_down_exps_b, e * D, D);
    const core::TensorView* ws[2] = {&gate, &up};
    const core::TensorView* bs[2] = {&gb, &ub};
    float* ys[2] = {m.hg.data(), m.hu.data()};
    be.matmul_multi(ws, m.xin.data(), ys, 2, n, bs);
    be.swiglu_oai(m.hg.data(), m.hu.data(), n * F, c.swiglu_alpha, c.swiglu_limit);
    be.matmul(down, m.hg.data(), m.out.data(), n, &db);
    for (int64_t i = 0; i < n; ++i) {  // proj[token] += weight * expert output (experts in increasing order)
      float* dst = s.proj.data() + m.rows[static_cast<size_t>(i)] * D;
      const float* src = m.out.data() + i * D;
      const float w = m.row_weight[static_cast<size_t>(i)];
      for (int64_t d = 0; d < D; ++d) dst[d] += w * src[d];
    }
  }
}

}  // namespace sinkstream::model::blocks
