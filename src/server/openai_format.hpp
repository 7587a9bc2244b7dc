// The response objects of the OpenAI API: chat.completion, text_completion and
// their streamed chunks (server-sent events: "data: {json}\n\n", ending with
// "data: [DONE]\n\n"), as the OpenAI API sends them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sinkstream::server {

enum class Endpoint { kChat, kCompletion };

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;  // of the prompt, already held by the session (not fed again)
};

// Fields every object of one response shares.
struct ResponseHead {
  Endpoint endpoint = Endpoint::kChat;
  std::string id;       // "chatcmpl-..." / "cmpl-..."
  int64_t created = 0;  // Unix seconds
  std::string model;
  std::string session_id;  // "" = stateless (then not sent)
};

// The response id of the engine's n-th response: the endpoint's prefix and 24
// characters derived from (salt, n) (salt: random per server start).
std::string response_id(Endpoint e, uint64_t salt, uint64_t n);

nlohmann::json usage_json(const Usage& u);

// The whole (non-streamed) response.
nlohmann::json full_response(const ResponseHead& h, std::string_view text, std::string_view finish, const Usage& u);

// One SSE event with a chunk. Chat: the first chunk carries delta {"role":"assistant","content":""};
// text chunks delta {"content": text}; the last one an empty delta and finish_reason.
// include_usage: every chunk has "usage": null, then usage_event() sends the counts with "choices": [].
std::string role_event(const ResponseHead& h, bool include_usage);
std::string text_event(const ResponseHead& h, std::string_view text, bool include_usage);
std::string finish_event(const ResponseHead& h, std::string_view finish, bool include_usage);
std::string usage_event(const ResponseHead& h, const Usage& u);
std::string error_event(const nlohmann::json& error);
inline constexpr std::string_view kDoneEvent = "data: [DONE]\n\n";

}  // namespace sinkstream::server
