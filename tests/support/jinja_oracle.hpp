// Runs Debian's python3-jinja2 (through tests/support/render_jinja.py, with Hugging
// Face's settings) on a batch of (template, context) cases: the independent oracle
// of the chat-template tests. A missing python3 or jinja2 fails the calling test.
#pragma once

#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sinkstream::test {

struct OracleCase {
  std::string tmpl;
  nlohmann::ordered_json context;
};

struct OracleResult {
  bool ok = false;
  std::string text;   // rendered output when ok
  std::string error;  // exception message when not ok
};

// The fixed time strftime_now() formats on both sides: 2026-07-26 14:05:09 (a Sunday).
std::tm oracle_time();

// Renders every case with jinja2. Adds a gtest failure (and returns {}) when the
// oracle cannot run.
std::vector<OracleResult> run_jinja_oracle(const std::vector<OracleCase>& cases);

// "" when equal; else the first differing byte offset with context from both sides.
std::string first_difference(const std::string& expected, const std::string& actual);

// Reads a JSON file of the repository's test fixtures (tests/fixtures/chat/NAME).
nlohmann::ordered_json chat_fixture(const std::string& name);

}  // namespace sinkstream::test
