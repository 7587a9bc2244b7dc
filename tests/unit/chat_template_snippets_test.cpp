// The renderer's pieces (whitespace control, loops, macros, slicing, filters, tests,
// methods, undefined semantics, errors), each a small template of
// tests/fixtures/chat/snippets.json rendered by both our renderer and jinja2.
#include <gtest/gtest.h>

#include "sinkstream/chat_template.hpp"
#include "sinkstream/error.hpp"
#include "support/jinja_oracle.hpp"

namespace sinkstream {
namespace {

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

TEST(ChatTemplateSnippets, MatchJinja2) {
  const auto snippets = test::chat_fixture("snippets.json");
  std::vector<test::OracleCase> batch;
  for (const auto& s : snippets) batch.push_back({s.at("template").get<std::string>(), s.at("context")});
  const std::vector<test::OracleResult> expected = test::run_jinja_oracle(batch);
  ASSERT_EQ(expected.size(), batch.size());
  chat::RenderOptions opt;
  opt.now = test::oracle_time();
  size_t rendered = 0, rejected = 0;
  for (size_t k = 0; k < batch.size(); ++k) {
    SCOPED_TRACE(snippets[k].at("name").get<std::string>() + ": " + batch[k].tmpl);
    std::string ours, error;
    try {
      ours = chat::render(batch[k].tmpl, batch[k].context, opt);
    } catch (const Error& e) {
      error = e.what();
    }
    if (expected[k].ok) {
      ++rendered;
      EXPECT_TRUE(error.empty()) << "jinja2 renders it, we fail: " << error;
      if (error.empty()) {
        EXPECT_EQ(test::first_difference(expected[k].text, ours), "");
      }
    } else {
      ++rejected;
      EXPECT_FALSE(error.empty()) << "jinja2 rejects it (" << expected[k].error << "), we render: " << ours;
      EXPECT_NE(error.find(one_line(expected[k].error)), std::string::npos)
          << "our error: " << error << "\njinja2's: " << expected[k].error;
    }
  }
  std::printf("[ chat ] snippets: %zu rendered, %zu rejected\n", rendered, rejected);
}

}  // namespace
}  // namespace sinkstream
