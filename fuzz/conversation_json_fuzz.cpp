// libFuzzer target: OpenAI-style conversations (conversation::messages_from_json,
// what the server and `chat --json` read). Whatever parses must pass validation
// and convert to the JSON a template sees, and that JSON must parse back to the
// same roles and contents.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "conversation/messages.hpp"
#include "sinkstream/conversation.hpp"
#include "sinkstream/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sinkstream;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<conversation::Message> messages;
  try {
    messages = conversation::messages_from_json(text);
  } catch (const Error&) {
    return 0;
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    conversation::validate(messages[i], i);  // must not throw: parsing validated it
    const conversation::Message back =
        conversation::message_from_json(conversation::to_template_json(messages[i]), i);
    if (back.role != messages[i].role || back.content != messages[i].content ||
        back.tool_calls.size() != messages[i].tool_calls.size() || back.tool_call_id != messages[i].tool_call_id) {
      __builtin_trap();
    }
  }
  return 0;
}
