#include "analysis/sink_summary.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <string>
#include <vector>

#include "analysis/sink_rate.hpp"

namespace sinkstream::analysis {

namespace {

[[gnu::format(printf, 1, 2)]] std::string fmt(const char* f, ...) {
  char b[128];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(b, sizeof b, f, ap);
  va_end(ap);
  return b;
}

std::string head_line(const HeadAttention& h) {
  std::string s = "  L" + std::to_string(h.layer) + " H" + std::to_string(h.head);
  s.resize(std::max<size_t>(s.size(), 10), ' ');
  s += fmt("%11.4f", h.first_mass[0]) + fmt("%10.4f", h.first_total) + fmt("%9.3f", h.entropy) + "   ";
  for (const KeyMass& k : h.top) s += std::to_string(k.position) + fmt(" (%.3f) ", k.mass);
  if (h.sink_logit_mass) s += fmt(" sink logit %.4f", *h.sink_logit_mass);
  return s + "\n";
}

// Every head's two sink mechanisms side by side: the mean share of its softmax taken by the
// learned (or fixed-zero) sink logit, and the mean attention weight on position 0.
std::string sink_logit_table(const SinkReport& r) {
  std::string s = "\nlearned sink logit share / first-token mass, every head (means over the queries):\n";
  int32_t layer = -1;
  for (const HeadAttention& h : r.heads) {
    if (h.layer != layer) {
      if (layer >= 0) s += "\n";
      layer = h.layer;
      s += "  L" + std::to_string(h.layer) + ":";
    }
    s += fmt("  H%d %.3f/%.3f", h.head, h.sink_logit_mass.value_or(0.0), h.first_mass[0]);
  }
  return s + "\n";
}

}  // namespace

std::string sink_summary(const SinkReport& r, int top) {
  std::string s;
  s += "model: " + r.model_path + " (" + r.arch + ", " + std::to_string(r.n_layer) + " layers x " +
       std::to_string(r.n_head) + " heads, " + std::to_string(r.n_head_kv) + " K/V heads" +
       (r.has_sink_logit ? ", sink logit" : "") + (r.has_sink_token ? ", learned sink token at position 0" : "") +
       ")\n";
  s += "stream: " + std::to_string(r.n_tokens) + " tokens of " + r.source + "; K = " + std::to_string(r.first) +
       "; statistics over the " + std::to_string(r.n_queries) + " queries at positions >= K; mean NLL " +
       fmt("%.4f", r.nll) + "\n\n";

  std::vector<const HeadAttention*> by_mass;
  for (const HeadAttention& h : r.heads) by_mass.push_back(&h);
  std::stable_sort(by_mass.begin(), by_mass.end(),
                   [](const HeadAttention* a, const HeadAttention* b) { return a->first_mass[0] > b->first_mass[0]; });
  s += "heads by first-token mass (mean attention weight on position 0):\n";
  s += "  head      first-token   first-K  entropy   top key positions (mean weight)\n";
  for (size_t i = 0; i < by_mass.size() && i < static_cast<size_t>(top); ++i) s += head_line(*by_mass[i]);

  if (r.has_sink_logit) s += sink_logit_table(r);

  int64_t n_sink = 0;
  for (const HeadAttention& h : r.heads) n_sink += is_sink_head(h, r.epsilon) ? 1 : 0;
  s += "\nsink rate (first-token mass > " + fmt("%g", r.epsilon) + "): " + fmt("%.3f", r.sink_rate) + " (" +
       std::to_string(n_sink) + " of " + std::to_string(r.heads.size()) + " heads); per layer:";
  for (double v : r.sink_rate_per_layer) s += fmt(" %.2f", v);
  s += "\n\nmassive activations (largest |hidden| after each layer; ratio to the layer's median |hidden|):\n";
  for (const LayerActivations& a : r.activations) {
    s += "  L" + std::to_string(a.layer) + fmt("  median %.4g:", a.median_abs);
    for (size_t i = 0; i < a.top.size() && i < 3; ++i) {
      const Activation& x = a.top[i];
      s += fmt("  %.4g", x.value) + " @ token " + std::to_string(x.position) + " ch " + std::to_string(x.channel) +
           fmt(" (%.1fx)", x.ratio);
    }
    s += "\n";
  }
  s += "\nfirst-token key / value norm over the median token's, per layer (mean over K/V heads):\n";
  for (int32_t l = 0; l < r.n_layer; ++l) {
    double kr = 0, vr = 0;
    int n = 0;
    for (const HeadKvNorms& k : r.kv_norms) {
      if (k.layer != l || k.key_first.empty()) continue;
      kr += k.key_median > 0 ? k.key_first[0] / k.key_median : 0;
      vr += k.value_median > 0 ? k.value_first[0] / k.value_median : 0;
      ++n;
    }
    if (n > 0) s += "  L" + std::to_string(l) + fmt("  key %.3f", kr / n) + fmt("  value %.3f\n", vr / n);
  }
  if (r.kv_norms.empty()) s += "  (none: every layer is a sliding-window layer shorter than the stream)\n";
  if (r.ablation) {
    const Ablation& a = *r.ablation;
    s += "\nablation (first " + std::to_string(r.first) + " keys removed from one head, renormalized): base NLL " +
         fmt("%.4f", a.base_nll) + "; all heads at once " + fmt("%.4f", a.all_heads_nll) +
         fmt(" (delta %+.4f)\n", a.all_heads_nll - a.base_nll);
    s += "  most sink-dependent heads (delta NLL):\n";
    for (size_t i = 0; i < a.ranking.size() && i < static_cast<size_t>(top); ++i) {
      const HeadDelta& d = a.ranking[i];
      s += "  L" + std::to_string(d.layer) + " H" + std::to_string(d.head) + fmt("  %+.5f\n", d.delta);
    }
  }
  return s;
}

}  // namespace sinkstream::analysis
