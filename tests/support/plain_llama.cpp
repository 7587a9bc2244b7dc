#include "api/model_access.hpp"
#include "support/plain_llama.hpp"

#include <cmath>

#include "model/weights.hpp"

namespace sinkstream::test {

namespace {

using Vec = std::vector<float>;

Vec rms(const Vec& x, const float* w, float eps) {
  double ss = 0;
  for (float v : x) ss += static_cast<double>(v) * v;
  const double s = 1.0 / std::sqrt(ss / static_cast<double>(x.size()) + eps);
  Vec o(x.size());
  for (size_t i = 0; i < x.size(); ++i) o[i] = static_cast<float>(x[i] * s * w[i]);
  return o;
}

Vec mv(const core::TensorView& W, const Vec& x) {
  Vec y(static_cast<size_t>(W.rows));
  for (int64_t r = 0; r < W.rows; ++r) {
    double acc = 0;
    for (int64_t c = 0; c < W.cols; ++c) acc += static_cast<double>(W.f32()[r * W.cols + c]) * x[static_cast<size_t>(c)];
    y[static_cast<size_t>(r)] = static_cast<float>(acc);
  }
  return y;
}

void rope(float* h, const ModelConfig& c, int64_t pos) {
  const int32_t half = c.n_rot / 2;
  for (int32_t i = 0; i < half; ++i) {
    const double a = static_cast<double>(pos) * std::pow(c.rope_theta, -2.0 * i / c.n_rot);
    const int32_t i0 = c.rope_layout == RopeLayout::kInterleaved ? 2 * i : i;
    const int32_t i1 = c.rope_layout == RopeLayout::kInterleaved ? 2 * i + 1 : i + half;
    const double x0 = h[i0], x1 = h[i1];
    h[i0] = static_cast<float>(x0 * std::cos(a) - x1 * std::sin(a));
    h[i1] = static_cast<float>(x0 * std::sin(a) + x1 * std::cos(a));
  }
}

}  // namespace

std::vector<float> plain_llama_logits(const Model& model, std::span<const int32_t> tokens) {
  return plain_llama_run(model, tokens, PlainProbe{});
}

std::vector<float> plain_llama_run(const Model& model, std::span<const int32_t> tokens, const PlainProbe& probe) {
  const ModelConfig& c = model.config();
  const model::ModelWeights& w = api::ModelAccess::weights(model);
  const size_t n = tokens.size(), D = static_cast<size_t>(c.n_embd), hd = static_cast<size_t>(c.head_dim);
  std::vector<Vec> x(n, Vec(D));
  for (size_t t = 0; t < n; ++t) {
    for (size_t i = 0; i < D; ++i) x[t][i] = w.tok_embd.f32()[static_cast<size_t>(tokens[t]) * D + i];
  }
  const size_t NH = static_cast<size_t>(c.n_layer) * static_cast<size_t>(c.n_head);
  if (probe.attention) probe.attention->assign(NH, std::vector<double>(n * n, 0.0));
  if (probe.extra) probe.extra->assign(NH, std::vector<double>(n, 0.0));
  if (probe.hidden) probe.hidden->clear();
  if (probe.keys) probe.keys->clear();
  if (probe.values) probe.values->clear();
  for (int32_t l = 0; l < c.n_layer; ++l) {
    const model::LayerWeights& L = w.layers[static_cast<size_t>(l)];
    std::vector<Vec> q(n), k(n), v(n);
    for (size_t t = 0; t < n; ++t) {
      const Vec xb = rms(x[t], L.attn_norm.f32(), c.norm_eps);
      q[t] = mv(L.wq, xb);
      k[t] = mv(L.wk, xb);
      v[t] = mv(L.wv, xb);
      for (int32_t h = 0; h < c.n_head; ++h) rope(q[t].data() + static_cast<size_t>(h) * hd, c, static_cast<int64_t>(t));
      for (int32_t h = 0; h < c.n_head_kv; ++h) rope(k[t].data() + static_cast<size_t>(h) * hd, c, static_cast<int64_t>(t));
    }
    if (probe.keys) {
      probe.keys->emplace_back();
      for (const Vec& r : k) probe.keys->back().insert(probe.keys->back().end(), r.begin(), r.end());
    }
    if (probe.values) {
      probe.values->emplace_back();
      for (const Vec& r : v) probe.values->back().insert(probe.values->back().end(), r.begin(), r.end());
    }
    for (size_t t = 0; t < n; ++t) {
      Vec att(static_cast<size_t>(c.q_dim()), 0.0f);
      for (int32_t h = 0; h < c.n_head; ++h) {
        const size_t kvh = static_cast<size_t>(h / (c.n_head / c.n_head_kv));
        std::vector<double> s(t + 1);
        double mx = -1e300;
        const bool have_extra = c.attn_softmax_one || !L.attn_sinks.empty();
        const double extra = L.attn_sinks.empty() ? 0.0 : L.attn_sinks.f32()[h];
        if (have_extra) mx = extra;
        for (size_t j = 0; j <= t; ++j) {
          double d = 0;
          for (size_t i = 0; i < hd; ++i) d += static_cast<double>(q[t][static_cast<size_t>(h) * hd + i]) * k[j][kvh * hd + i];
          s[j] = d / std::sqrt(static_cast<double>(hd));
          if (probe.removed && probe.removed(l, h, t, j)) s[j] = -INFINITY;
          mx = std::max(mx, s[j]);
        }
        double sum = have_extra ? std::exp(extra - mx) : 0.0;
        for (double& e : s) sum += (e = std::exp(e - mx));
        const size_t hi = static_cast<size_t>(l) * static_cast<size_t>(c.n_head) + static_cast<size_t>(h);
        if (probe.attention) {
          for (size_t j = 0; j <= t; ++j) (*probe.attention)[hi][t * n + j] = s[j] / sum;
        }
        if (probe.extra && have_extra) (*probe.extra)[hi][t] = std::exp(extra - mx) / sum;
        for (size_t j = 0; j <= t; ++j) {
          for (size_t i = 0; i < hd; ++i) att[static_cast<size_t>(h) * hd + i] += static_cast<float>(s[j] / sum * v[j][kvh * hd + i]);
        }
      }
      const Vec o = mv(L.wo, att);
      for (size_t i = 0; i < D; ++i) x[t][i] += o[i];
    }
    for (size_t t = 0; t < n; ++t) {
      const Vec xb = rms(x[t], L.ffn_norm.f32(), c.norm_eps);
      Vec g = mv(L.ffn_gate, xb);
      const Vec u = mv(L.ffn_up, xb);
      for (size_t i = 0; i < g.size(); ++i) g[i] = static_cast<float>(g[i] / (1.0 + std::exp(-static_cast<double>(g[i]))) * u[i]);
      const Vec d = mv(L.ffn_down, g);
      for (size_t i = 0; i < D; ++i) x[t][i] += d[i];
    }
    if (probe.hidden) {
      probe.hidden->emplace_back();
      for (const Vec& r : x) probe.hidden->back().insert(probe.hidden->back().end(), r.begin(), r.end());
    }
  }
  std::vector<float> out;
  out.reserve(n * static_cast<size_t>(c.n_vocab));
  for (size_t t = 0; t < n; ++t) {
    const Vec l = mv(w.output, rms(x[t], w.output_norm.f32(), c.norm_eps));
    out.insert(out.end(), l.begin(), l.end());
  }
  return out;
}

}  // namespace sinkstream::test
