#include "analysis/sink_json.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "analysis/sink_rate.hpp"

namespace sinkstream::analysis {

namespace {

using nlohmann::json;

json num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json nums(const std::vector<double>& v) {
  json a = json::array();
  for (double x : v) a.push_back(num(x));
  return a;
}

json head_json(const HeadAttention& h, double eps) {
  json top = json::array();
  for (const KeyMass& k : h.top) top.push_back({{"position", k.position}, {"mass", num(k.mass)}});
  return {{"layer", h.layer},
          {"head", h.head},
          {"first_mass", nums(h.first_mass)},
          {"first_token_mass", num(h.first_mass.empty() ? 0.0 : h.first_mass[0])},
          {"first_total", num(h.first_total)},
          {"entropy", num(h.entropy)},
          {"top", top},
          {"sink_logit_mass", h.sink_logit_mass ? num(*h.sink_logit_mass) : json(nullptr)},
          {"is_sink", is_sink_head(h, eps)}};
}

json delta_json(const HeadDelta& d) {
  return {{"layer", d.layer}, {"head", d.head}, {"nll", num(d.nll)}, {"delta", num(d.delta)}};
}

}  // namespace

std::string sink_report_json(const SinkReport& r) {
  json j;
  j["schema"] = "sinkstream.sinks/1";
  j["model"] = {{"path", r.model_path}, {"arch", r.arch},       {"n_layer", r.n_layer},
                {"n_head", r.n_head},   {"n_head_kv", r.n_head_kv}, {"head_dim", r.head_dim},
                {"n_embd", r.n_embd},   {"has_sink_logit", r.has_sink_logit},
                {"has_sink_token", r.has_sink_token}};
  j["stream"] = {{"source", r.source},   {"n_tokens", r.n_tokens}, {"n_positions", r.n_positions}, {"n_queries", r.n_queries},
                 {"first", r.first},     {"epsilon", r.epsilon},   {"nll", num(r.nll)}};
  json heads = json::array();
  json sinks = json::array();
  for (const HeadAttention& h : r.heads) {
    heads.push_back(head_json(h, r.epsilon));
    if (is_sink_head(h, r.epsilon)) {
      sinks.push_back({{"layer", h.layer}, {"head", h.head}, {"first_token_mass", num(h.first_mass[0])}});
    }
  }
  std::stable_sort(sinks.begin(), sinks.end(), [](const json& a, const json& b) {
    return a["first_token_mass"].get<double>() > b["first_token_mass"].get<double>();
  });
  j["heads"] = heads;
  j["sink_heads"] = sinks;
  j["sink_rate"] = {{"overall", num(r.sink_rate)}, {"per_layer", nums(r.sink_rate_per_layer)}};
  json acts = json::array();
  for (const LayerActivations& a : r.activations) {
    json top = json::array();
    for (const Activation& x : a.top) {
      top.push_back({{"position", x.position}, {"channel", x.channel}, {"value", num(x.value)}, {"ratio", num(x.ratio)}});
    }
    acts.push_back({{"layer", a.layer}, {"median_abs", num(a.median_abs)}, {"top", top}});
  }
  j["activations"] = acts;
  json kv = json::array();
  for (const HeadKvNorms& k : r.kv_norms) {
    kv.push_back({{"layer", k.layer},
                  {"kv_head", k.kv_head},
                  {"key_first", nums(k.key_first)},
                  {"key_median", num(k.key_median)},
                  {"value_first", nums(k.value_first)},
                  {"value_median", num(k.value_median)}});
  }
  j["kv_norms"] = kv;
  if (r.ablation) {
    const Ablation& a = *r.ablation;
    json hs = json::array(), rank = json::array();
    for (const HeadDelta& d : a.heads) hs.push_back(delta_json(d));
    for (const HeadDelta& d : a.ranking) rank.push_back(delta_json(d));
    j["ablation"] = {{"base_nll", num(a.base_nll)},
                     {"all_heads_nll", num(a.all_heads_nll)},
                     {"all_heads_delta", num(a.all_heads_nll - a.base_nll)},
                     {"heads", hs},
                     {"ranking", rank}};
  } else {
    j["ablation"] = nullptr;
  }
  return j.dump(2) + "\n";
}

}  // namespace sinkstream::analysis
