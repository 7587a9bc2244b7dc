// Human- and machine-readable reports of a streaming-perplexity run.
#pragma once

#include <string>
#include <vector>

#include "eval/ppl_table.hpp"
#include "eval/stream_ppl.hpp"

namespace sinkstream::eval {

struct PplRunInfo {
  std::string model;    // model path
  std::string source;   // where the stream came from (file name or "stdin")
  int64_t n_tokens = 0; // stream length (n_predicted + 1)
  int32_t batch = 0;
  int32_t threads = 0;
};

// Fixed-width text table: one row per bucket (token range of the predicted
// tokens, '*' marks the partial tail), then overall perplexity, ratio to the
// best policy, tokens/s, seconds and cache KiB; one column per policy.
// runs: [n_policies], same order as table.policies.
std::string format_ppl_table(const PplTable& table, const std::vector<PolicyNll>& runs, const PplRunInfo& info);

// JSON summary (one object; see the keys in ppl_report.cpp), pretty-printed.
std::string ppl_json(const PplTable& table, const std::vector<PolicyNll>& runs, const PplRunInfo& info);

}  // namespace sinkstream::eval
