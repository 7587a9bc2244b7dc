// Helpers for the `sinkstream sinks` tests: run the command, read its JSON,
// validate it against docs/sinks.schema.json, and an independent mean NLL.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "support/paths.hpp"

namespace sinkstream::test {

struct SinksRun {
  CommandResult cmd;
  nlohmann::json json;  // null when the command failed
};

// Runs `sinkstream sinks ARGS --json DIR/sinks.json` (ARGS shell-quoted by the caller).
SinksRun run_sinks(const std::string& args, const TempDir& dir);

// Violations of docs/sinks.schema.json ("" on success, else one per line).
std::string sinks_schema_errors(const nlohmann::json& report);

// Writes ids space-separated to path.
void write_ids(const std::string& path, std::span<const int32_t> ids);

// Mean over t of -log softmax(logits[t])[tokens[t+1]] in long double; logits [n][n_vocab].
double mean_nll(std::span<const float> logits, std::span<const int32_t> tokens, int32_t n_vocab);

// The JSON heads entry for (layer, head), or null.
const nlohmann::json* find_head(const nlohmann::json& report, int32_t layer, int32_t head);

}  // namespace sinkstream::test
