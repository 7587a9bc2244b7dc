#include "support/jinja_oracle.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "support/paths.hpp"

namespace sinkstream::test {

std::tm oracle_time() {
  std::tm t{};
  t.tm_year = 2026 - 1900;
  t.tm_mon = 6;  // July
  t.tm_mday = 26;
  t.tm_hour = 14;
  t.tm_min = 5;
  t.tm_sec = 9;
  const std::time_t epoch = timegm(&t);  // fills in the weekday and day of the year
  gmtime_r(&epoch, &t);
  return t;
}

std::vector<OracleResult> run_jinja_oracle(const std::vector<OracleCase>& cases) {
  TempDir dir;
  nlohmann::ordered_json job;
  job["now"] = "2026-07-26T14:05:09";
  job["cases"] = nlohmann::ordered_json::array();
  for (const OracleCase& c : cases) job["cases"].push_back({{"template", c.tmpl}, {"context", c.context}});
  write_file(dir.file("job.json"), job.dump());
  const std::string cmd = "/usr/bin/python3 " + source_dir() + "/tests/support/render_jinja.py " + dir.file("job.json") + " " +
                          dir.file("out.json");
  const CommandResult r = run_command(cmd);
  if (r.status != 0) {
    ADD_FAILURE() << "the jinja2 oracle did not run (python3 and python3-jinja2 are required): " << r.err;
    return {};
  }
  const auto out = nlohmann::json::parse(read_file(dir.file("out.json")));
  std::vector<OracleResult> results;
  for (const auto& o : out) {
    OracleResult res;
    res.ok = o.at("ok").get<bool>();
    if (res.ok) res.text = o.at("text").get<std::string>();
    else res.error = o.at("error").get<std::string>();
    results.push_back(std::move(res));
  }
  if (results.size() != cases.size()) ADD_FAILURE() << "the oracle answered " << results.size() << " of " << cases.size() << " cases";
  return results;
}

std::string first_difference(const std::string& expected, const std::string& actual) {
  if (expected == actual) return "";
  size_t k = 0;
  while (k < expected.size() && k < actual.size() && expected[k] == actual[k]) ++k;
  const size_t from = k > 60 ? k - 60 : 0;
  auto window = [&](const std::string& s) {
    return nlohmann::json(s.substr(std::min(from, s.size()), 120)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  return "first difference at byte " + std::to_string(k) + " (expected " + std::to_string(expected.size()) +
         " bytes, got " + std::to_string(actual.size()) + ")\n  jinja2: " + window(expected) + "\n  ours:   " + window(actual);
}

nlohmann::ordered_json chat_fixture(const std::string& name) {
  return nlohmann::ordered_json::parse(read_file(source_dir() + "/tests/fixtures/chat/" + name));
}

}  // namespace sinkstream::test
