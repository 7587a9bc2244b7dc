#include "support/sinks_check.hpp"

#include <cmath>

#include "support/json_schema.hpp"

namespace sinkstream::test {

SinksRun run_sinks(const std::string& args, const TempDir& dir) {
  SinksRun r;
  const std::string json = dir.file("sinks.json");
  r.cmd = run_command(binary() + " sinks " + args + " --json " + json);
  if (r.cmd.status == 0) r.json = nlohmann::json::parse(read_file(json));
  return r;
}

std::string sinks_schema_errors(const nlohmann::json& report) {
  const auto schema = nlohmann::json::parse(read_file(source_dir() + "/docs/sinks.schema.json"));
  std::string out;
  for (const std::string& e : validate_json_schema(schema, report)) out += e + "\n";
  return out;
}

void write_ids(const std::string& path, std::span<const int32_t> ids) {
  std::string s;
  for (const int32_t t : ids) s += std::to_string(t) + " ";
  write_file(path, s + "\n");
}

double mean_nll(std::span<const float> logits, std::span<const int32_t> tokens, int32_t n_vocab) {
  const size_t V = static_cast<size_t>(n_vocab);
  long double sum = 0;
  for (size_t t = 0; t + 1 < tokens.size(); ++t) {
    const float* row = logits.data() + t * V;
    long double mx = row[0];
    for (size_t i = 1; i < V; ++i) mx = std::max<long double>(mx, row[i]);
    long double z = 0;
    for (size_t i = 0; i < V; ++i) z += std::exp(static_cast<long double>(row[i]) - mx);
    sum += mx + std::log(z) - row[static_cast<size_t>(tokens[t + 1])];
  }
  return static_cast<double>(sum / static_cast<long double>(tokens.size() - 1));
}

const nlohmann::json* find_head(const nlohmann::json& report, int32_t layer, int32_t head) {
  for (const auto& h : report["heads"]) {
    if (h["layer"] == layer && h["head"] == head) return &h;
  }
  return nullptr;
}

}  // namespace sinkstream::test
