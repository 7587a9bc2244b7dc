#include "eval/ppl_report.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "sinkstream/error.hpp"

namespace sinkstream::eval {

namespace {

std::string fmt(int decimals, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

void check_runs(const PplTable& t, const std::vector<PolicyNll>& runs) {
  if (runs.size() != t.policies.size()) {
    throw Error(ErrorKind::kInvalidArg, "perplexity report: " + std::to_string(runs.size()) + " runs for " +
                                            std::to_string(t.policies.size()) + " table columns");
  }
}

}  // namespace

std::string format_ppl_table(const PplTable& t, const std::vector<PolicyNll>& runs, const PplRunInfo& info) {
  check_runs(t, runs);
  size_t w = 18;  // room for "1.0000 (best)" plus a gap
  for (const auto& p : t.policies) w = std::max(w, p.size() + 2);
  const int cw = static_cast<int>(w);
  std::string s = "# sinkstream ppl: " + info.model + ", " + info.source + ", " + std::to_string(info.n_tokens) +
                  " tokens (" + std::to_string(t.n_predicted) + " predicted), bucket " + std::to_string(t.bucket) +
                  ", batch " + std::to_string(info.batch) + "\n";
  char buf[256];
  auto cell_row = [&](const std::string& label, const std::vector<std::string>& cells) {
    std::snprintf(buf, sizeof buf, "%-16s", label.c_str());
    std::string row = buf;
    for (const auto& c : cells) {
      std::snprintf(buf, sizeof buf, "%*s", cw, c.c_str());
      row += buf;
    }
    return row + "\n";
  };
  s += cell_row("tokens", t.policies);
  bool any_partial = false;
  for (const auto& b : t.buckets) {
    std::vector<std::string> cells;
    for (const double p : b.ppl) cells.push_back(fmt(4, p));
    std::string label = std::to_string(b.begin + 1) + "-" + std::to_string(b.end) + (b.partial ? "*" : "");
    any_partial = any_partial || b.partial;
    s += cell_row(label, cells);
  }
  std::vector<std::string> overall, ratio, tps, secs, kib;
  for (size_t p = 0; p < t.policies.size(); ++p) {
    overall.push_back(fmt(4, t.overall[p]));
    ratio.push_back(fmt(4, t.ratio_to_best[p]) + (p == t.best ? " (best)" : ""));
    tps.push_back(fmt(1, runs[p].tokens_per_s));
    secs.push_back(fmt(2, runs[p].seconds));
    kib.push_back(fmt(1, static_cast<double>(runs[p].cache_bytes) / 1024.0));
  }
  s += cell_row("overall", overall);
  s += cell_row("ratio to best", ratio);
  s += cell_row("tokens/s", tps);
  s += cell_row("seconds", secs);
  s += cell_row("cache KiB", kib);
  if (any_partial) s += "# * partial bucket (the stream's tail, shorter than " + std::to_string(t.bucket) + " tokens)\n";
  return s;
}

std::string ppl_json(const PplTable& t, const std::vector<PolicyNll>& runs, const PplRunInfo& info) {
  check_runs(t, runs);
  nlohmann::json j;
  j["model"] = info.model;
  j["source"] = info.source;
  j["tokens"] = info.n_tokens;
  j["predicted"] = t.n_predicted;
  j["bucket"] = t.bucket;
  j["batch"] = info.batch;
  j["threads"] = info.threads;
  j["best"] = t.policies[t.best];
  j["policies"] = nlohmann::json::array();
  for (size_t p = 0; p < t.policies.size(); ++p) {
    nlohmann::json buckets = nlohmann::json::array();
    for (const auto& b : t.buckets) {
      buckets.push_back({{"begin", b.begin + 1}, {"end", b.end}, {"partial", b.partial}, {"ppl", b.ppl[p]}});
    }
    j["policies"].push_back({{"policy", t.policies[p]},
                             {"mean_nll", t.mean_nll[p]},
                             {"ppl", t.overall[p]},
                             {"ratio_to_best", t.ratio_to_best[p]},
                             {"tokens_per_s", runs[p].tokens_per_s},
                             {"seconds", runs[p].seconds},
                             {"cache_bytes", runs[p].cache_bytes},
                             {"buckets", buckets}});
  }
  return j.dump(2) + "\n";
}

}  // namespace sinkstream::eval
