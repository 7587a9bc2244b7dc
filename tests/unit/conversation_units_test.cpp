// Units of the conversation engine: stop strings with hold-back, the message
// window and its token rebase, message validation and JSON, and hostile
// templates reaching Conversation::reply (one-line errors; run under ASan by the
// sanitize preset).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "conversation/stop_strings.hpp"
#include "conversation/token_window.hpp"
#include "sinkstream/conversation.hpp"
#include "sinkstream/error.hpp"
#include "sinkstream/model.hpp"
#include "support/paths.hpp"

namespace sinkstream::conversation {
namespace {

TEST(StopScanner, HoldsBackWhatMayBecomeAStopString) {
  StopScanner s({"STOP", "\n\nUser:"});
  EXPECT_EQ(s.push("Hello S"), "Hello ");  // "S" may start "STOP"
  EXPECT_EQ(s.push("T"), "");              // "ST"
  EXPECT_EQ(s.push("ay"), "STay");         // no longer a prefix: released
  EXPECT_EQ(s.push(" here.\n"), " here.");
  EXPECT_EQ(s.push("\nUs"), "");
  EXPECT_EQ(s.push("er: hi"), "");
  EXPECT_TRUE(s.stopped());
  EXPECT_EQ(s.push("more"), "");
}

TEST(StopScanner, StopInsideOnePieceAndFlush) {
  StopScanner a({"END"});
  EXPECT_EQ(a.push("abcENDdef"), "abc");
  EXPECT_TRUE(a.stopped());
  StopScanner b({"END"});
  EXPECT_EQ(b.push("xyzEN"), "xyz");
  EXPECT_FALSE(b.stopped());
  EXPECT_EQ(b.flush(), "EN");  // the reply ended without the stop string: the tail is text
  StopScanner none({});
  EXPECT_EQ(none.push("anything"), "anything");
}

std::vector<Message> alternating(int n) {
  std::vector<Message> out;
  for (int i = 0; i < n; ++i) {
    std::string text = std::to_string(i);
    text.insert(text.begin(), 'm');  // (operator+ here trips GCC 12's -Wrestrict false positive)
    out.push_back(text_message(i % 2 ? "assistant" : "user", text));
  }
  return out;
}

TEST(TokenWindow, StartsAtAUserMessageWithinTheBound) {
  const std::vector<Message> m = alternating(10);  // u a u a ... (user at even indices)
  EXPECT_EQ(window_start(m, 32), 0u);
  EXPECT_EQ(window_start(m, 4), 6u);
  EXPECT_EQ(window_start(m, 3), 8u);  // 7 is an assistant message: move to 8
  std::vector<Message> tools = {text_message("user", "q")};
  for (int i = 0; i < 6; ++i) tools.push_back(text_message("tool", "r"));
  EXPECT_EQ(window_start(tools, 2), 0u);  // no user message in range: the last one before it
}

TEST(TokenWindow, DroppedMessagesAndTheirTokenSpan) {
  const std::vector<Message> m = alternating(8);
  const std::span<const Message> all(m);
  EXPECT_EQ(dropped_messages(all.subspan(0, 5), all), 0u);
  EXPECT_EQ(dropped_messages(all.subspan(0, 5), all.subspan(2)), 2u);
  EXPECT_FALSE(dropped_messages(all.subspan(0, 2), all.subspan(4)).has_value());
  // [S S | a a b | c c] without [a a b] -> [S S c c]
  const std::vector<int32_t> t_old = {1, 1, 5, 5, 6, 7, 7}, t_new = {1, 1, 7, 7};
  const auto span = dropped_span(t_old, t_new);
  ASSERT_TRUE(span.has_value());
  EXPECT_EQ(span->begin, 2u);
  EXPECT_EQ(span->end, 5u);
  EXPECT_FALSE(dropped_span(t_old, std::vector<int32_t>{1, 1, 9, 7}).has_value());
}

void expect_one_line_error(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; wanted one mentioning " << needle;
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(needle), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

TEST(ConversationMessages, UnknownRoleAndInvalidUtf8AreOneLineErrors) {
  expect_one_line_error([] { messages_from_json(R"([{"role": "wizard", "content": "hi"}])"); }, "unknown role \"wizard\"");
  expect_one_line_error([] { messages_from_json("[{\"role\": \"user\", \"content\": \"a\xff\"}]"); }, "invalid JSON");
  expect_one_line_error([] { messages_from_json(R"({"messages": 3})"); }, "expected a list");
  expect_one_line_error([] { messages_from_json(R"([{"content": "x"}])"); }, "missing \"role\"");
  // A content part whose "type" is not a string (found by conversation_json_fuzz in CI).
  expect_one_line_error([] { messages_from_json(R"([{"role": "user", "content": [{"type": {"name": "f"}}]}])"); },
                        "content parts must be");
  expect_one_line_error([] { messages_from_json(R"([{"role": "user", "content": [{"type": 3, "text": "a"}]}])"); },
                        "content parts must be");
  const std::vector<Message> ok = messages_from_json(
      R"({"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
          {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function",
            "function": {"name": "f", "arguments": "{\"x\": 1}"}}]},
          {"role": "tool", "tool_call_id": "c1", "content": "42"}]})");
  ASSERT_EQ(ok.size(), 3u);
  EXPECT_EQ(ok[0].content, "ab");
  ASSERT_EQ(ok[1].tool_calls.size(), 1u);
  EXPECT_EQ(ok[1].tool_calls[0].arguments, "{\"x\": 1}");
  EXPECT_EQ(ok[2].tool_call_id, "c1");
}

std::shared_ptr<const Model> chat_model() { return Model::load(test::source_dir() + "/models/sinkstream-chat.gguf"); }

Options small_options(const std::string& template_file = "") {
  Options o;
  o.max_tokens = 2;
  o.threads = 1;
  o.sampling.temperature = 0;
  o.template_file = template_file;
  return o;
}

TEST(ConversationBadInput, RolesAndUtf8ThroughReply) {
  Conversation conv(chat_model(), small_options());
  expect_one_line_error([&] { conv.reply({text_message("user", "ok"), text_message("robot", "x")}); },
                        "message 1: unknown role \"robot\"");
  expect_one_line_error([&] { conv.reply({text_message("user", "bad \xc3\x28 byte")}); },
                        "message 0: content is not valid UTF-8 (byte 4)");
  expect_one_line_error([&] { conv.reply({}); }, "no messages");
}

TEST(ConversationBadInput, HostileTemplatesFailWithOneLine) {
  test::TempDir dir;
  const struct {
    const char* name;
    const char* source;
    const char* needle;
  } cases[] = {
      {"loops", "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "loop"},
      {"recurses", "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "nested deeper"},
      {"grows", "{% set ns = namespace(s='xxxxxxxx') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
       "bytes"},
      {"raises", "{{ raise_exception('Conversation roles must alternate') }}", "Conversation roles must alternate"},
      {"empty", "{# nothing #}", "rendered nothing"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string file_name = c.name;
    file_name.append(".jinja");  // (operator+ here trips GCC 12's -Wrestrict false positive)
    const std::string path = dir.file(file_name);
    test::write_file(path, c.source);
    Conversation conv(chat_model(), small_options(path));
    expect_one_line_error([&] { conv.reply({text_message("user", "hi")}); }, c.needle);
  }
}

TEST(ConversationBadInput, PoliciesKeepSystemCannotPin) {
  Options o = small_options();
  o.keep_system = true;
  o.cache = CachePolicy::parse("recompute:64");
  expect_one_line_error([&] { Conversation conv(chat_model(), o); }, "--keep-system needs a sink:S:W, window:W or dense cache");
}

}  // namespace
}  // namespace sinkstream::conversation
