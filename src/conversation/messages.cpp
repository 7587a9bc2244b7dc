#include "conversation/messages.hpp"

#include <array>
#include <string_view>

#include "sinkstream/error.hpp"
#include "tokenizer/utf8.hpp"

namespace sinkstream::conversation {

namespace {

using nlohmann::ordered_json;

constexpr std::array<std::string_view, 4> kRoles = {"system", "user", "assistant", "tool"};

[[noreturn]] void fail(size_t index, const std::string& what) {
  throw Error(ErrorKind::kInvalidArg, "message " + std::to_string(index) + ": " + what);
}

// Byte offset of the first invalid UTF-8 sequence, or npos.
size_t invalid_utf8_at(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const size_t at = i;
    if (tokenizer::utf8_decode(s, i) == tokenizer::kInvalidCodePoint) return at;
  }
  return std::string_view::npos;
}

void check_text(const std::string& text, size_t index, const char* field) {
  const size_t bad = invalid_utf8_at(text);
  if (bad != std::string_view::npos) {
    fail(index, std::string(field) + " is not valid UTF-8 (byte " + std::to_string(bad) + ")");
  }
}

std::string string_field(const ordered_json& j, const char* key, size_t index) {
  if (!j.contains(key) || j[key].is_null()) return "";
  if (!j[key].is_string()) fail(index, std::string("\"") + key + "\" must be a string");
  return j[key].get<std::string>();
}

// OpenAI content may be a list of parts: [{"type": "text", "text": ...}]; text parts are joined.
std::string content_of(const ordered_json& j, size_t index) {
  if (!j.contains("content") || j["content"].is_null()) return "";
  const ordered_json& c = j["content"];
  if (c.is_string()) return c.get<std::string>();
  if (!c.is_array()) fail(index, "\"content\" must be a string or a list of text parts");
  std::string out;
  for (const ordered_json& part : c) {
    // Checked field by field: json::value() throws type_error when "type" is not a string.
    const bool text_part = part.is_object() && part.contains("type") && part["type"] == "text" &&
                           part.contains("text") && part["text"].is_string();
    if (!text_part) {
      fail(index, "content parts must be {\"type\": \"text\", \"text\": ...} (other kinds are not supported)");
    }
    out += part["text"].get<std::string>();
  }
  return out;
}

ToolCall tool_call_from_json(const ordered_json& j, size_t index) {
  if (!j.is_object()) fail(index, "a tool call must be an object");
  ToolCall t;
  t.id = string_field(j, "id", index);
  if (j.contains("type") && j["type"].is_string()) t.type = j["type"].get<std::string>();
  const ordered_json f = j.contains("function") ? j["function"] : ordered_json::object();
  if (!f.is_object()) fail(index, "tool call \"function\" must be an object");
  t.name = string_field(f, "name", index);
  if (f.contains("arguments")) t.arguments = f["arguments"].is_string() ? f["arguments"].get<std::string>() : f["arguments"].dump();
  return t;
}

}  // namespace

void validate(const Message& m, size_t index) {
  bool known = false;
  for (std::string_view r : kRoles) known = known || m.role == r;
  if (!known) {
    check_text(m.role, index, "role");
    fail(index, "unknown role \"" + m.role + "\" (expected system, user, assistant or tool)");
  }
  check_text(m.content, index, "content");
  if (m.reasoning_content) check_text(*m.reasoning_content, index, "reasoning_content");
  check_text(m.tool_call_id, index, "tool_call_id");
  check_text(m.name, index, "name");
  for (const ToolCall& t : m.tool_calls) {
    if (t.name.empty()) fail(index, "a tool call has no function name");
    check_text(t.id, index, "tool call id");
    check_text(t.name, index, "tool call name");
    check_text(t.arguments, index, "tool call arguments");
  }
}

ordered_json to_template_json(const Message& m) {
  ordered_json j = {{"role", m.role}, {"content", m.content}};
  if (m.reasoning_content) j["reasoning_content"] = *m.reasoning_content;
  if (!m.tool_calls.empty()) {
    ordered_json calls = ordered_json::array();
    for (const ToolCall& t : m.tool_calls) {
      ordered_json args = t.arguments;
      const ordered_json parsed = ordered_json::parse(t.arguments, nullptr, false);
      if (parsed.is_object()) args = parsed;
      calls.push_back({{"id", t.id}, {"type", t.type}, {"function", {{"name", t.name}, {"arguments", args}}}});
    }
    j["tool_calls"] = calls;
  }
  if (!m.tool_call_id.empty()) j["tool_call_id"] = m.tool_call_id;
  if (!m.name.empty()) j["name"] = m.name;
  return j;
}

ordered_json to_template_json(std::span<const Message> messages) {
  ordered_json out = ordered_json::array();
  for (const Message& m : messages) out.push_back(to_template_json(m));
  return out;
}

Message message_from_json(const ordered_json& j, size_t index) {
  if (!j.is_object()) fail(index, "a message must be a JSON object");
  Message m;
  m.role = string_field(j, "role", index);
  if (m.role.empty()) fail(index, "missing \"role\"");
  m.content = content_of(j, index);
  if (j.contains("reasoning_content") && !j["reasoning_content"].is_null()) {
    m.reasoning_content = string_field(j, "reasoning_content", index);
  }
  if (j.contains("tool_calls") && !j["tool_calls"].is_null()) {
    if (!j["tool_calls"].is_array()) fail(index, "\"tool_calls\" must be a list");
    for (const ordered_json& t : j["tool_calls"]) m.tool_calls.push_back(tool_call_from_json(t, index));
  }
  m.tool_call_id = string_field(j, "tool_call_id", index);
  m.name = string_field(j, "name", index);
  validate(m, index);
  return m;
}

std::vector<Message> messages_from_json(std::string_view json_text) {
  ordered_json j;
  try {
    j = ordered_json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::kFormat, std::string("conversation: invalid JSON: ") + e.what());
  }
  if (j.is_object() && j.contains("messages")) j = ordered_json(j["messages"]);
  if (!j.is_array()) throw Error(ErrorKind::kFormat, "conversation: expected a list of messages or {\"messages\": [...]}");
  std::vector<Message> out;
  for (size_t i = 0; i < j.size(); ++i) out.push_back(message_from_json(j[i], i));
  return out;
}

}  // namespace sinkstream::conversation
