#include "server/request.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "server/api_error.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::server {

namespace {

using nlohmann::json;

// Nesting depth of JSON text (brackets outside strings), checked before parsing.
int32_t json_depth(std::string_view text) {
  int32_t depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (const char ch : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (ch == '\\') escaped = true;
      else if (ch == '"') in_string = false;
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if (ch == ']' || ch == '}') {
      --depth;
    }
  }
  return max_depth;
}

json parse_body(std::string_view body, const Limits& limits) {
  if (body.size() > limits.max_body_bytes) {
    throw ApiError(413, "invalid_request_error",
                   "request body of " + std::to_string(body.size()) + " bytes is over the limit of " +
                       std::to_string(limits.max_body_bytes),
                   "", "request_too_large");
  }
  if (body.empty()) throw bad_request("the request body is empty; send a JSON object", "", "invalid_json");
  if (json_depth(body) > limits.max_depth) {
    throw bad_request("the JSON body nests deeper than " + std::to_string(limits.max_depth) + " levels", "",
                      "invalid_json");
  }
  json j = json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded()) {
    // Parse again with exceptions for the position and reason (invalid UTF-8 included).
    try {
      const json again = json::parse(body.begin(), body.end());
      (void)again;
    } catch (const json::exception& e) {
      throw bad_request(std::string("the body is not valid JSON: ") + e.what(), "", "invalid_json");
    }
    throw bad_request("the body is not valid JSON", "", "invalid_json");
  }
  if (!j.is_object()) throw bad_request("the body must be a JSON object", "", "invalid_json");
  return j;
}

[[noreturn]] void wrong_type(const std::string& field, const char* want) {
  throw bad_request("'" + field + "' must be " + want, field, "invalid_type");
}

const json* field(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string string_field(const json& j, const char* name, bool required) {
  const json* f = field(j, name);
  if (f == nullptr) {
    if (required) throw bad_request(std::string("'") + name + "' is required", name, "missing_field");
    return "";
  }
  if (!f->is_string()) wrong_type(name, "a string");
  return f->get<std::string>();
}

double number_field(const json& j, const char* name, double fallback, double lo, double hi, bool lo_open) {
  const json* f = field(j, name);
  if (f == nullptr) return fallback;
  if (!f->is_number()) wrong_type(name, "a number");
  const double v = f->get<double>();
  if (!std::isfinite(v) || v > hi || v < lo || (lo_open && v == lo)) {
    throw bad_request("'" + std::string(name) + "' is " + f->dump() + "; it must be in " + (lo_open ? "(" : "[") +
                          nlohmann::json(lo).dump() + ", " + nlohmann::json(hi).dump() + "]",
                      name, "invalid_value");
  }
  return v;
}

bool bool_field(const json& j, const char* name, bool fallback) {
  const json* f = field(j, name);
  if (f == nullptr) return fallback;
  if (!f->is_boolean()) wrong_type(name, "true or false");
  return f->get<bool>();
}

GenParams parse_gen(const json& j, const Limits& limits) {
  GenParams g;
  g.stream = bool_field(j, "stream", false);
  if (const json* so = field(j, "stream_options")) {
    if (!so->is_object()) wrong_type("stream_options", "an object");
    if (!g.stream) throw bad_request("'stream_options' is only allowed with \"stream\": true", "stream_options");
    g.include_usage = bool_field(*so, "include_usage", false);
  }
  const char* max_name = field(j, "max_completion_tokens") != nullptr ? "max_completion_tokens" : "max_tokens";
  if (const json* m = field(j, max_name)) {
    if (!m->is_number_integer()) wrong_type(max_name, "an integer");
    const int64_t v = m->get<int64_t>();
    if (v < 1 || v > limits.max_tokens) {
      throw bad_request("'" + std::string(max_name) + "' is " + std::to_string(v) + "; this server allows 1 to " +
                            std::to_string(limits.max_tokens),
                        max_name, "invalid_value");
    }
    g.max_tokens = static_cast<int32_t>(v);
  } else {
    g.max_tokens = limits.default_max_tokens;
  }
  g.temperature = static_cast<float>(number_field(j, "temperature", 1.0, 0.0, 2.0, false));
  g.top_p = static_cast<float>(number_field(j, "top_p", 1.0, 0.0, 1.0, true));
  (void)number_field(j, "presence_penalty", 0.0, -2.0, 2.0, false);   // accepted, not applied
  (void)number_field(j, "frequency_penalty", 0.0, -2.0, 2.0, false);  // accepted, not applied
  if (const json* s = field(j, "seed")) {
    if (!s->is_number_integer()) wrong_type("seed", "an integer");
    g.seed = s->is_number_unsigned() ? s->get<uint64_t>() : static_cast<uint64_t>(s->get<int64_t>());
  }
  if (const json* n = field(j, "n")) {
    if (!n->is_number_integer()) wrong_type("n", "an integer");
    if (n->get<int64_t>() != 1) throw bad_request("only n = 1 is supported", "n", "invalid_value");
  }
  if (const json* stop = field(j, "stop")) {
    if (stop->is_string()) {
      g.stop.push_back(stop->get<std::string>());
    } else if (stop->is_array()) {
      for (const json& s : *stop) {
        if (!s.is_string()) wrong_type("stop", "a string or a list of strings");
        g.stop.push_back(s.get<std::string>());
      }
    } else {
      wrong_type("stop", "a string or a list of strings");
    }
    if (g.stop.size() > limits.max_stop) {
      throw bad_request("at most " + std::to_string(limits.max_stop) + " stop sequences", "stop", "invalid_value");
    }
    for (const std::string& s : g.stop) {
      if (s.empty() || s.size() > limits.max_stop_bytes) {
        throw bad_request("each stop sequence must have 1 to " + std::to_string(limits.max_stop_bytes) + " bytes",
                          "stop", "invalid_value");
      }
    }
  }
  return g;
}

}  // namespace

bool valid_session_id(std::string_view id) {
  if (id.empty() || id.size() > 64 || id.front() == '.') return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

ChatRequest parse_chat_request(std::string_view body, const Limits& limits, std::string_view header_session_id) {
  const json j = parse_body(body, limits);
  ChatRequest r;
  r.model = string_field(j, "model", true);
  const json* messages = field(j, "messages");
  if (messages == nullptr) throw bad_request("'messages' is required", "messages", "missing_field");
  if (!messages->is_array()) wrong_type("messages", "a list of messages");
  if (messages->empty()) throw bad_request("'messages' must hold at least one message", "messages", "invalid_value");
  if (messages->size() > limits.max_messages) {
    throw bad_request("'messages' holds " + std::to_string(messages->size()) + " messages; the limit is " +
                          std::to_string(limits.max_messages),
                      "messages", "invalid_value");
  }
  try {
    r.messages = conversation::messages_from_json(messages->dump());
  } catch (const Error& e) {
    throw bad_request(e.what(), "messages", "invalid_message");
  }
  r.gen = parse_gen(j, limits);
  r.session_id = string_field(j, "session_id", false);
  if (!header_session_id.empty()) {
    if (!r.session_id.empty() && r.session_id != header_session_id) {
      throw bad_request("the body's session_id and the X-Session-Id header differ", "session_id");
    }
    r.session_id = std::string(header_session_id);
  }
  if (!r.session_id.empty() && !valid_session_id(r.session_id)) {
    throw bad_request("session_id must be 1-64 characters of A-Z a-z 0-9 _ - . (not starting with '.')",
                      "session_id", "invalid_value");
  }
  if (field(j, "cache") != nullptr) r.cache = string_field(j, "cache", false);
  if (field(j, "keep_system") != nullptr) r.keep_system = bool_field(j, "keep_system", false);
  // Stateless requests use the server's defaults; per-session options need a session.
  if (r.cache && r.session_id.empty()) throw bad_request("'cache' needs a session_id", "cache");
  if (r.keep_system && r.session_id.empty()) throw bad_request("'keep_system' needs a session_id", "keep_system");
  return r;
}

CompletionRequest parse_completion_request(std::string_view body, const Limits& limits) {
  const json j = parse_body(body, limits);
  CompletionRequest r;
  r.model = string_field(j, "model", true);
  const json* p = field(j, "prompt");
  if (p == nullptr) throw bad_request("'prompt' is required", "prompt", "missing_field");
  if (p->is_string()) {
    r.prompt = p->get<std::string>();
  } else if (p->is_array() && p->size() == 1 && (*p)[0].is_string()) {
    r.prompt = (*p)[0].get<std::string>();
  } else {
    wrong_type("prompt", "a string (or a list of one string)");
  }
  if (field(j, "echo") != nullptr && bool_field(j, "echo", false)) {
    throw bad_request("echo is not supported", "echo", "unsupported");
  }
  if (field(j, "suffix") != nullptr) throw bad_request("suffix is not supported", "suffix", "unsupported");
  r.gen = parse_gen(j, limits);
  return r;
}

}  // namespace sinkstream::server
