// format_passkey_table and save_passkey_plot.
#include <algorithm>
#include <cstdio>

#include "plot/plot.hpp"
#include "eval/passkey.hpp"

namespace sinkstream::eval {

std::string format_passkey_table(const PasskeyResult& r, const std::string& model_name) {
  size_t w = 12;
  for (const auto& p : r.policies) w = std::max(w, p.size() + 2);
  const int cw = static_cast<int>(w);
  char buf[256];
  std::string s = "# sinkstream passkey: " + model_name + ", prompts of about " + std::to_string(r.prompt_tokens) +
                  " tokens; accuracy = correct / trials (greedy answer, first number)\n";
  std::snprintf(buf, sizeof buf, "%-8s%-12s", "depth", "key at tok");
  s += buf;
  for (const auto& p : r.policies) {
    std::snprintf(buf, sizeof buf, "%*s", cw, p.c_str());
    s += buf;
  }
  s += "\n";
  for (size_t d = 0; d < r.depths.size(); ++d) {
    const double at = r.cells.empty() ? 0.0 : r.cells[0][d].key_token_depth * static_cast<double>(r.prompt_tokens);
    std::snprintf(buf, sizeof buf, "%-8.2f%-12.0f", r.depths[d], at);
    s += buf;
    for (size_t p = 0; p < r.policies.size(); ++p) {
      const PasskeyCell& c = r.cells[p][d];
      std::snprintf(buf, sizeof buf, "%d/%d", c.correct, c.trials);
      const std::string cell = buf;
      std::snprintf(buf, sizeof buf, "%*s", cw, cell.c_str());
      s += buf;
    }
    s += "\n";
  }
  std::snprintf(buf, sizeof buf, "%-20s", "seconds");
  s += buf;
  for (const double sec : r.seconds) {
    std::snprintf(buf, sizeof buf, "%*.2f", cw, sec);
    s += buf;
  }
  return s + "\n";
}

void save_passkey_plot(const PasskeyResult& r, const std::string& model_name, const std::string& path) {
  plot::LinePlot p;
  p.title = model_name + ": passkey retrieval, prompts of ~" + std::to_string(r.prompt_tokens) + " tokens";
  p.x_label = "depth of the key in the filler (%)";
  p.y_label = "accuracy (%)";
  p.y_min = 0;
  p.y_max = 100;
  for (size_t i = 0; i < r.policies.size(); ++i) {
    plot::Series s;
    s.label = r.policies[i];
    for (size_t d = 0; d < r.depths.size(); ++d) {
      const PasskeyCell& c = r.cells[i][d];
      s.x.push_back(100.0 * r.depths[d]);
      s.y.push_back(c.trials > 0 ? 100.0 * c.correct / c.trials : 0.0);
    }
    p.series.push_back(std::move(s));
  }
  plot::save_line_plot(p, path);
}

}  // namespace sinkstream::eval
