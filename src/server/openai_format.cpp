#include "server/openai_format.hpp"


namespace sinkstream::server {

namespace {

using nlohmann::json;

json head_json(const ResponseHead& h, bool chunk) {
  json j;
  j["id"] = h.id;
  if (h.endpoint == Endpoint::kChat) j["object"] = chunk ? "chat.completion.chunk" : "chat.completion";
  else j["object"] = "text_completion";
  j["created"] = h.created;
  j["model"] = h.model;
  j["system_fingerprint"] = nullptr;
  if (!h.session_id.empty()) j["session_id"] = h.session_id;
  return j;
}

// A streamed chunk with one choice: chat delta or completion text.
json chunk_json(const ResponseHead& h, const json& delta, std::string_view text, const json& finish,
                bool include_usage) {
  json j = head_json(h, true);
  json choice;
  choice["index"] = 0;
  if (h.endpoint == Endpoint::kChat) choice["delta"] = delta;
  else choice["text"] = text;
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = finish;
  j["choices"] = json::array({choice});
  if (include_usage) j["usage"] = nullptr;
  return j;
}

std::string event(const json& j) {
  return "data: " + j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
}

}  // namespace

std::string response_id(Endpoint e, uint64_t salt, uint64_t n) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string id = e == Endpoint::kChat ? "chatcmpl-" : "cmpl-";
  uint64_t x = salt ^ (n * 0x9E3779B97F4A7C15ull);
  for (int i = 0; i < 24; ++i) {
    if (i % 8 == 0) {  // splitmix64 step
      x += 0x9E3779B97F4A7C15ull;
      x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
      x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
      x ^= x >> 31;
    }
    id += kAlphabet[(x >> (8 * (i % 8))) % (sizeof kAlphabet - 1)];
  }
  return id;
}

json usage_json(const Usage& u) {
  return json{{"prompt_tokens", u.prompt_tokens},
              {"completion_tokens", u.completion_tokens},
              {"total_tokens", u.prompt_tokens + u.completion_tokens},
              {"prompt_tokens_details", {{"cached_tokens", u.cached_tokens}}}};
}

json full_response(const ResponseHead& h, std::string_view text, std::string_view finish, const Usage& u) {
  json j = head_json(h, false);
  json choice;
  choice["index"] = 0;
  if (h.endpoint == Endpoint::kChat) {
    choice["message"] = json{{"role", "assistant"}, {"content", text}, {"refusal", nullptr}};
  } else {
    choice["text"] = text;
  }
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = finish;
  j["choices"] = json::array({choice});
  j["usage"] = usage_json(u);
  return j;
}

std::string role_event(const ResponseHead& h, bool include_usage) {
  return event(chunk_json(h, json{{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}}, "", nullptr,
                          include_usage));
}

std::string text_event(const ResponseHead& h, std::string_view text, bool include_usage) {
  return event(chunk_json(h, json{{"content", text}}, text, nullptr, include_usage));
}

std::string finish_event(const ResponseHead& h, std::string_view finish, bool include_usage) {
  return event(chunk_json(h, json::object(), "", json(finish), include_usage));
}

std::string usage_event(const ResponseHead& h, const Usage& u) {
  json j = head_json(h, true);
  j["choices"] = json::array();
  j["usage"] = usage_json(u);
  return event(j);
}

std::string error_event(const json& error) { return event(error); }

}  // namespace sinkstream::server
