// Every real chat template of ../shared/chat-templates, rendered by our renderer and by
// jinja2 (the oracle, with Hugging Face's settings) for each conversation of
// tests/fixtures/chat/conversations.json x add_generation_prompt on/off x the
// template's extra variables (tests/fixtures/chat/templates.json): byte-identical
// output, or both reject and our one-line error carries jinja2's message.
#include <gtest/gtest.h>

#include <filesystem>

#include "sinkstream/chat_template.hpp"
#include "sinkstream/error.hpp"
#include "support/jinja_oracle.hpp"
#include "support/paths.hpp"

namespace sinkstream {
namespace {

using nlohmann::ordered_json;

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

struct Case {
  std::string label;
  test::OracleCase oracle;
};

std::vector<Case> build_cases(const ordered_json& spec, const std::string& tmpl) {
  const ordered_json convs = test::chat_fixture("conversations.json");
  std::vector<ordered_json> variants{ordered_json::object()};
  for (const auto& x : spec.at("extras")) variants.push_back(x);
  std::vector<Case> cases;
  for (const auto& conv : convs) {
    for (size_t v = 0; v < variants.size(); ++v) {
      for (bool agp : {false, true}) {
        ordered_json ctx;
        ctx["messages"] = conv.at("messages");
        if (conv.contains("tools")) ctx["tools"] = conv.at("tools");
        ctx["add_generation_prompt"] = agp;
        ctx["bos_token"] = spec.at("bos_token");
        ctx["eos_token"] = spec.at("eos_token");
        if (spec.contains("context")) {
          for (auto it = spec.at("context").begin(); it != spec.at("context").end(); ++it) ctx[it.key()] = it.value();
        }
        for (auto it = variants[v].begin(); it != variants[v].end(); ++it) ctx[it.key()] = it.value();
        const std::string label = conv.at("name").get<std::string>() + (agp ? " +gen" : "") +
                                  (v ? " extras#" + std::to_string(v) : "");
        cases.push_back({label, {tmpl, ctx}});
      }
    }
  }
  return cases;
}

class ChatTemplateOracle : public ::testing::TestWithParam<std::string> {};

TEST_P(ChatTemplateOracle, MatchesJinja2) {
  const ordered_json specs = test::chat_fixture("templates.json");
  const ordered_json* spec = nullptr;
  for (const auto& s : specs) {
    if (s.at("file") == GetParam()) spec = &s;
  }
  ASSERT_NE(spec, nullptr);
  const std::string path = test::shared_dir() + "/chat-templates/" + GetParam();
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing: the oracle tests need ../shared/chat-templates";
  const std::string tmpl = test::read_file(path);
  const std::vector<Case> cases = build_cases(*spec, tmpl);
  std::vector<test::OracleCase> batch;
  for (const Case& c : cases) batch.push_back(c.oracle);
  const std::vector<test::OracleResult> expected = test::run_jinja_oracle(batch);
  ASSERT_EQ(expected.size(), cases.size());
  chat::RenderOptions opt;
  opt.now = test::oracle_time();
  const chat::Template parsed(tmpl, opt);
  size_t rendered = 0, rejected = 0;
  for (size_t k = 0; k < cases.size(); ++k) {
    SCOPED_TRACE(cases[k].label);
    std::string ours, error;
    try {
      ours = parsed.render(cases[k].oracle.context);
    } catch (const Error& e) {
      error = e.what();
    }
    if (expected[k].ok) {
      EXPECT_TRUE(error.empty()) << "jinja2 renders it, we fail: " << error;
      if (error.empty()) {
        EXPECT_EQ(test::first_difference(expected[k].text, ours), "");
      }
      ++rendered;
    } else {
      EXPECT_FALSE(error.empty()) << "jinja2 rejects it (" << expected[k].error << "), we render it";
      EXPECT_NE(error.find(one_line(expected[k].error)), std::string::npos)
          << "our error: " << error << "\njinja2's: " << expected[k].error;
      ++rejected;
    }
  }
  std::printf("[ chat ] %s: %zu cases, %zu rendered, %zu rejected by the template\n", GetParam().c_str(),
              cases.size(), rendered, rejected);
  EXPECT_GE(rendered, 12u) << "fewer than 12 conversations rendered";
}

std::vector<std::string> template_names() {
  std::vector<std::string> names;
  for (const auto& s : test::chat_fixture("templates.json")) names.push_back(s.at("file").get<std::string>());
  return names;
}

std::string param_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param.substr(0, info.param.rfind('.'));
  for (char& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(ChatTemplateShared, ChatTemplateOracle, ::testing::ValuesIn(template_names()), param_name);

}  // namespace
}  // namespace sinkstream
