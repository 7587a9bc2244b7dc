// Per-token NLL as CSV: a header `token,<policy>,<policy>...` then one row per
// predicted token: its stream position (1..N) and its natural-log NLL under each
// policy, printed with 17 significant digits so that reading back is exact.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace sinkstream::eval {

struct NllColumns {
  std::vector<std::string> policies;     // [n_policies]
  std::vector<std::vector<double>> nll;  // [n_policies][N]
};

// Throws Error(kInvalidArg) when the columns differ in length or a policy name
// contains a comma, quote or newline; Error(kIo) when the file cannot be written.
void write_nll_csv(std::ostream& out, const NllColumns& cols);
void write_nll_csv(const std::string& path, const NllColumns& cols);

// Throws Error(kFormat) naming the line at fault (bad header, wrong field count,
// a non-number, a token column out of sequence).
NllColumns read_nll_csv(std::istream& in, const std::string& name);
NllColumns read_nll_csv(const std::string& path);

}  // namespace sinkstream::eval
