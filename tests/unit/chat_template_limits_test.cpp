// Caps and errors of the chat-template renderer on hostile templates: each is a
// one-line sinkstream::Error naming the cap, never a crash or a hang.
#include <gtest/gtest.h>

#include "sinkstream/chat_template.hpp"
#include "chat/limits.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {
namespace {

using nlohmann::ordered_json;

// The message of the Error that rendering `tmpl` throws ("" when it renders).
std::string error_of(const std::string& tmpl, const ordered_json& ctx = ordered_json::object()) {
  try {
    (void)chat::render(tmpl, ctx);
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "multi-line error: " << msg;
    return msg;
  }
  return "";
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int k = 0; k < n; ++k) out += s;
  return out;
}

TEST(ChatTemplateLimits, BlockNestingDepth) {
  const int n = chat::kMaxParseDepth + 5;
  const std::string tmpl = repeat("{% if true %}", n) + "x" + repeat("{% endif %}", n);
  EXPECT_NE(error_of(tmpl).find("nested deeper than"), std::string::npos);
  const int ok = chat::kMaxParseDepth / 4;
  EXPECT_EQ(error_of(repeat("{% if true %}", ok) + "x" + repeat("{% endif %}", ok)), "");
}

TEST(ChatTemplateLimits, ExpressionNestingDepth) {
  EXPECT_NE(error_of("{{ " + repeat("(", 5000) + "1" + repeat(")", 5000) + " }}").find("nested"), std::string::npos);
  EXPECT_NE(error_of("{{ " + repeat("not ", 5000) + "1 }}").find("nested deeper than"), std::string::npos);
  EXPECT_NE(error_of("{{ " + repeat("-", 5000) + "1 }}").find("nested deeper than"), std::string::npos);
}

TEST(ChatTemplateLimits, MacroRecursion) {
  const std::string msg = error_of("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
  EXPECT_NE(msg.find("macro calls nested deeper than " + std::to_string(chat::kMaxCallDepth)), std::string::npos) << msg;
}

// Found by chat_template_fuzz (2026-12-05): a namespace assigned into itself made
// repr recurse until the stack overflowed (fuzz/corpus/chat_template/
// self_containing_namespace.jinja). repr, == and < now stop at kMaxValueDepth, and
// a repr's text is capped like any string (shared sublists double it per level).
TEST(ChatTemplateLimits, ValuesThatContainThemselves) {
  const std::string depth = "nested deeper than " + std::to_string(chat::kMaxValueDepth);
  std::string msg = error_of("{% set ns = namespace(x=0) %}{% set ns.x = ns %}{{ ns }}");
  EXPECT_NE(msg.find(depth), std::string::npos) << msg;
  // Lists cannot hold themselves (append is refused, as in HF's sandbox), but a
  // namespace can nest them 500 deep: two such values, built apart, compared.
  const std::string deep =
      "{% set ns = namespace(a=1, b=1) %}{% for i in range(500) %}{% set ns.a = [ns.a] %}{% set ns.b = [ns.b] %}"
      "{% endfor %}";
  msg = error_of(deep + "{{ ns.a }}");
  EXPECT_NE(msg.find(depth), std::string::npos) << msg;
  msg = error_of(deep + "{{ ns.a == ns.b }}");
  EXPECT_NE(msg.find(depth), std::string::npos) << msg;
  msg = error_of(deep + "{{ ns.a < ns.b }}");
  EXPECT_NE(msg.find(depth), std::string::npos) << msg;
  msg = error_of("{% set ns = namespace(x=[1]) %}{% for i in range(40) %}{% set ns.x = [ns.x, ns.x] %}{% endfor %}{{ ns.x }}");
  EXPECT_NE(msg.find("repr grew past"), std::string::npos) << msg;
  // Deep but finite values still print as Python does.
  EXPECT_EQ(chat::render("{{ [[1, 'a'], {'k': (2,)}] }}", ordered_json::object()), "[[1, 'a'], {'k': (2,)}]");
  EXPECT_EQ(chat::render("{% set ns = namespace(x=[1]) %}{{ ns }}", ordered_json::object()), "<Namespace {'x': [1]}>");
}

TEST(ChatTemplateLimits, LoopIterations) {
  const std::string msg = error_of("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}");
  EXPECT_NE(msg.find("more than " + std::string("1000000") + " loop iterations"), std::string::npos) << msg;
}

// Every work budget is the caller's (RenderOptions::limits): a template well inside the
// defaults fails under a smaller budget with a message that names that budget, and the
// next render on the thread is back to the defaults (also after an error).
TEST(ChatTemplateLimits, BudgetsComeFromTheRenderOptions) {
  struct Case {
    const char* tmpl;
    void (*shrink)(chat::RenderLimits&);
    const char* message;
  };
  const Case cases[] = {
      {"{% for i in range(50) %}{% endfor %}", [](chat::RenderLimits& l) { l.loop_iterations = 20; },
       "more than 20 loop iterations"},
      {"{% for i in range(50) %}xx{% endfor %}", [](chat::RenderLimits& l) { l.output_bytes = 64; },
       "output grew past 64 bytes"},
      {"{{ ('ab' * 40) | length }}", [](chat::RenderLimits& l) { l.output_bytes = 64; }, "too large"},
      {"{{ (range(30) | list) | length }}", [](chat::RenderLimits& l) { l.list_items = 16; },
       "a list grew past 16 items"},
      {"{% for i in range(30) %}{% set x = 'y' * 10 %}{% endfor %}",
       [](chat::RenderLimits& l) { l.string_bytes_built = 100; }, "built more than 100 bytes of strings"},
      {"{% for i in range(30) %}{% set x = [1, 2, 3] %}{% endfor %}",
       [](chat::RenderLimits& l) { l.list_items_built = 50; }, "built more than 50 list items"},
      {"{{ range(30) | length }}", [](chat::RenderLimits& l) { l.range = 10; }, "larger than MAX_RANGE (10)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.tmpl);
    EXPECT_NO_THROW((void)chat::render(c.tmpl, ordered_json::object()));
    chat::RenderOptions small;
    c.shrink(small.limits);
    try {
      (void)chat::render(c.tmpl, ordered_json::object(), small);
      ADD_FAILURE() << "rendered under the smaller budget";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
    }
    EXPECT_NO_THROW((void)chat::render(c.tmpl, ordered_json::object()));
  }
}

TEST(ChatTemplateLimits, OutputSize) {
  const std::string msg = error_of("{% for a in range(100000) %}{{ 'x' * 1000 }}{% endfor %}");
  EXPECT_NE(msg.find("output grew past"), std::string::npos) << msg;
}

TEST(ChatTemplateLimits, StringGrowth) {
  EXPECT_NE(error_of("{{ 'x' * 1000000000 }}").find("too large"), std::string::npos);
  const std::string doubling = "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}";
  EXPECT_NE(error_of(doubling).find("a string grew past"), std::string::npos);
  EXPECT_NE(error_of("{{ [1] * 100000000 }}").find("too large"), std::string::npos);
}

TEST(ChatTemplateLimits, QuadraticBuildingStops) {
  const std::string lists = "{% set ns = namespace(l=[]) %}{% for i in range(100000) %}{% set ns.l = ns.l + [i] %}{% endfor %}";
  EXPECT_NE(error_of(lists).find("list items"), std::string::npos);
  const std::string strings = "{% for i in range(100000) %}{% set x = 'y' * 10000000 %}{% endfor %}";
  EXPECT_NE(error_of(strings).find("bytes of strings"), std::string::npos);
}

// Found by chat_template_fuzz (2026-12-05): `{% filter sort %}` over a text of
// millions of characters made one Value per character (a 939 MB allocation;
// fuzz/corpus/chat_template/filter_sort_long_text.jinja). Iterating a string now
// counts as building a list of its characters.
TEST(ChatTemplateLimits, IteratingALongString) {
  const std::string cap = "200000";  // RenderLimits::list_items by default
  std::string msg = error_of("{{ ('x' * 300000) | sort | length }}");
  EXPECT_NE(msg.find("iterating a string of 300000 characters: more than " + cap + " items"), std::string::npos) << msg;
  msg = error_of("{% for c in 'ab' * 150000 %}{% endfor %}");
  EXPECT_NE(msg.find("iterating a string of 300000 characters"), std::string::npos) << msg;
  EXPECT_EQ(error_of("{{ ('x' * 1000) | sort | length }}"), "");
}

// Found by chat_template_fuzz (2026-12-05): a 16 KB chain of binary operators
// overflowed the stack under ASan (fuzz/corpus/chat_template/long_operator_chain.jinja),
// and 1 MB of `1 + 1 + ...`, `x.y.y...` or `'A'|lower|lower...` crashed a release
// build. The parser builds such chains with a loop (its recursion limit never sees
// them), so it now caps each expression tree's depth.
TEST(ChatTemplateLimits, LongOperatorAttributeAndFilterChains) {
  const std::string deeper = "expression nested deeper than " + std::to_string(chat::kMaxExprDepth) + " levels";
  for (const std::string& chain : {"1" + repeat(" + 1", 2000), "x" + repeat(".y", 2000), "'A'" + repeat("|lower", 2000),
                                   "1" + repeat(" + 1", 250000)}) {
    const std::string msg = error_of("{{ " + chain + " }}");
    EXPECT_NE(msg.find(deeper), std::string::npos) << msg.substr(0, 200);
  }
  EXPECT_EQ(error_of("{{ 1" + repeat(" + 1", 200) + " }}"), "");
  EXPECT_EQ(error_of("{{ 'A'" + repeat("|lower", 200) + " }}"), "");
}

// Expressions nested across macro calls: each call's body nests its own, so the
// evaluator counts them all together (kMaxEvalDepth) besides the macro depth.
TEST(ChatTemplateLimits, ExpressionsNestedAcrossMacroCalls) {
  const std::string msg =
      error_of("{% macro f(n) %}{{ [[[[[[[[[[f(n + 1)]]]]]]]]]] }}{% endmacro %}{{ f(0) }}");
  EXPECT_NE(msg.find("expressions and macro calls nested deeper than " + std::to_string(chat::kMaxEvalDepth)),
            std::string::npos)
      << msg;
}

// Found by chat_template_fuzz (2026-12-05): a 64-byte template repeated an empty
// string 6,666,666,666 times, one append per step (230 s under ASan). An empty
// sequence repeated is now empty at once, whatever the count.
TEST(ChatTemplateLimits, RepeatingAnEmptySequence) {
  EXPECT_EQ(chat::render("{{ ('' * 6666666666) | length }}|{{ ([] * 6666666666) | length }}|{{ (() * 9000000000000) | length }}",
                         ordered_json::object()),
            "0|0|0");
}

TEST(ChatTemplateLimits, RangeSize) {
  EXPECT_NE(error_of("{{ range(1000000) }}").find("Range too big"), std::string::npos);
}

TEST(ChatTemplateLimits, TemplateSize) {
  EXPECT_NE(error_of(std::string(chat::kMaxTemplateBytes + 1, 'x')).find("over the limit"), std::string::npos);
}

TEST(ChatTemplateLimits, SyntaxErrorsNameTheLine) {
  EXPECT_NE(error_of("a\nb\n{{ 1 +  }}").find("line 3"), std::string::npos);
  EXPECT_NE(error_of("{% if x %}never closed").find("expected 'endif'"), std::string::npos);
  EXPECT_NE(error_of("{{ 'unterminated }}").find("unterminated string"), std::string::npos);
  EXPECT_NE(error_of("{% include 'x.jinja' %}").find("unsupported tag 'include'"), std::string::npos);
  EXPECT_NE(error_of("{{ x").find("missing '}}'"), std::string::npos);
  EXPECT_NE(error_of("{# open").find("unterminated comment"), std::string::npos);
}

TEST(ChatTemplateLimits, MultiLineMessagesBecomeOneLine) {
  const std::string msg = error_of("{{ raise_exception('first\nsecond') }}");
  EXPECT_NE(msg.find("first second"), std::string::npos) << msg;
}

TEST(ChatTemplateLimits, ContextMustBeAnObject) {
  EXPECT_THROW((void)chat::render("x", ordered_json::array()), Error);
}

TEST(ChatTemplateLimits, MacroOutlivingItsScopeIsAnError) {
  // A macro defined in a loop body and stored in a namespace outlives the iteration's scope.
  const std::string msg = error_of(
      "{% set ns = namespace(f=none) %}{% for i in [1] %}{% macro m() %}{{ i }}{% endmacro %}{% set ns.f = m %}"
      "{% endfor %}{{ ns.f() }}");
  EXPECT_NE(msg.find("scope"), std::string::npos) << msg;
}

}  // namespace
}  // namespace sinkstream
