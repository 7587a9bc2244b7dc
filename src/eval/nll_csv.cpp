#include "eval/nll_csv.hpp"

#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "sinkstream/error.hpp"

namespace sinkstream::eval {

namespace {

std::vector<std::string> split_commas(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t p = line.find(',', start);
    out.push_back(line.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) return out;
    start = p + 1;
  }
}

[[noreturn]] void bad(const std::string& name, size_t line_no, const std::string& why) {
  throw Error(ErrorKind::kFormat, name + ":" + std::to_string(line_no) + ": " + why);
}

}  // namespace

void write_nll_csv(std::ostream& out, const NllColumns& cols) {
  if (cols.policies.size() != cols.nll.size()) {
    throw Error(ErrorKind::kInvalidArg, "NLL CSV: policy names and columns differ in number");
  }
  const size_t n = cols.nll.empty() ? 0 : cols.nll[0].size();
  out << "token";
  for (size_t p = 0; p < cols.policies.size(); ++p) {
    if (cols.policies[p].find_first_of(",\"\n\r") != std::string::npos) {
      throw Error(ErrorKind::kInvalidArg, "NLL CSV: policy name '" + cols.policies[p] + "' contains , \" or a newline");
    }
    if (cols.nll[p].size() != n) throw Error(ErrorKind::kInvalidArg, "NLL CSV: columns differ in length");
    out << ',' << cols.policies[p];
  }
  out << '\n';
  char buf[32];
  for (size_t i = 0; i < n; ++i) {
    out << i + 1;
    for (const auto& col : cols.nll) {
      std::snprintf(buf, sizeof buf, ",%.17g", col[i]);
      out << buf;
    }
    out << '\n';
  }
}

void write_nll_csv(const std::string& path, const NllColumns& cols) {
  std::ofstream f(path, std::ios::binary);
  if (!f) throw Error(ErrorKind::kIo, path + ": cannot open for writing");
  write_nll_csv(f, cols);
  f.flush();
  if (!f) throw Error(ErrorKind::kIo, path + ": write failed");
}

NllColumns read_nll_csv(std::istream& in, const std::string& name) {
  std::string line;
  size_t line_no = 1;
  if (!std::getline(in, line)) bad(name, line_no, "empty file, expected a header 'token,<policy>,...'");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  auto header = split_commas(line);
  if (header.size() < 2 || header[0] != "token") bad(name, line_no, "header must be 'token,<policy>,...'");
  NllColumns cols;
  cols.policies.assign(header.begin() + 1, header.end());
  cols.nll.resize(cols.policies.size());
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto fields = split_commas(line);
    if (fields.size() != header.size()) {
      bad(name, line_no, std::to_string(fields.size()) + " fields, header has " + std::to_string(header.size()));
    }
    const size_t expect = cols.nll[0].size() + 1;
    if (fields[0] != std::to_string(expect)) bad(name, line_no, "token column '" + fields[0] + "', expected " + std::to_string(expect));
    for (size_t p = 0; p < cols.policies.size(); ++p) {
      const std::string& f = fields[p + 1];
      double v = 0;
      const auto [ptr, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
      if (f.empty() || ec != std::errc() || ptr != f.data() + f.size()) {
        bad(name, line_no, "'" + f + "' in column " + cols.policies[p] + " is not a number");
      }
      cols.nll[p].push_back(v);
    }
  }
  return cols;
}

NllColumns read_nll_csv(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(ErrorKind::kIo, path + ": cannot open");
  return read_nll_csv(f, path);
}

}  // namespace sinkstream::eval
