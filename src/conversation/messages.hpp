// Messages <-> the JSON a chat template sees, and their validation (roles, UTF-8).
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "sinkstream/conversation.hpp"

namespace sinkstream::conversation {

// Throws sinkstream::Error (kInvalidArg) naming the message index and field:
// an unknown role, text that is not valid UTF-8, a tool call without a name.
void validate(const Message& m, size_t index);

// One message as Hugging Face templates expect it: role, content, and where set
// reasoning_content, tool_calls [{id, type, function: {name, arguments}}] (arguments
// as an object when the text parses as a JSON object), tool_call_id, name.
nlohmann::ordered_json to_template_json(const Message& m);

nlohmann::ordered_json to_template_json(std::span<const Message> messages);

// The inverse of to_template_json for one message (also the OpenAI request format).
Message message_from_json(const nlohmann::ordered_json& j, size_t index);

}  // namespace sinkstream::conversation
