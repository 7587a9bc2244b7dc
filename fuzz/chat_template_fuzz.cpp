// libFuzzer target: the input is chat-template text, rendered against a fixed
// conversation (system, user, assistant with a tool call, tool result; tools; extras).
// Any sinkstream::Error is a fine outcome; a crash, a sanitizer report, a hang or a
// different exception type is a bug. Built with -DSINKSTREAM_FUZZ=ON (clang); run
// through `make fuzz`, which also reads ../shared/chat-templates as a seed corpus.
//
// It renders under work budgets about 1/50 of the defaults (RenderLimits): the same
// checks run, only sooner. Under the defaults a mutated template that loops up to a
// budget costs 0.6-2 s under ASan, and a fresh campaign spent most of its time there
// (30-45 executions/s per process, docs/reliability.md). The defaults themselves are
// tested in tests/unit/chat_template_limits_test.cpp.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sinkstream/chat_template.hpp"
#include "sinkstream/error.hpp"

namespace {

const nlohmann::ordered_json& context() {
  static const nlohmann::ordered_json ctx = nlohmann::ordered_json::parse(R"({
    "messages": [
      {"role": "system", "content": "You are helpful. Ünïcödé ✓"},
      {"role": "user", "content": "Weather in Paris?"},
      {"role": "assistant", "content": "", "reasoning_content": "Need the tool.",
       "tool_calls": [{"id": "call0001A", "type": "function",
                       "function": {"name": "get_weather", "arguments": {"location": "Paris", "days": [1, 2.5]}}}]},
      {"role": "tool", "tool_call_id": "call0001A", "name": "get_weather", "content": "21 C"},
      {"role": "assistant", "content": "It is 21 C.", "thinking": "done"}
    ],
    "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
               "parameters": {"type": "object", "properties": {"location": {"type": "string"}},
                              "required": ["location"]}}}],
    "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>",
    "enable_thinking": false, "documents": [{"title": "t", "text": "x"}], "n": null
  })");
  return ctx;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sinkstream::chat::RenderOptions opt;
  opt.now = std::tm{};
  opt.now->tm_year = 126;
  opt.now->tm_mday = 1;
  opt.limits.loop_iterations = 20'000;
  opt.limits.output_bytes = 256u << 10;
  opt.limits.list_items = 10'000;
  opt.limits.string_bytes_built = 16u << 20;
  opt.limits.list_items_built = 400'000;
  opt.limits.range = 10'000;
  try {
    (void)sinkstream::chat::render(text, context(), opt);
  } catch (const sinkstream::Error&) {
  }
  return 0;
}
