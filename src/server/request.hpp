// Request bodies of the OpenAI API, parsed and checked: /v1/chat/completions and
// /v1/completions. Every problem is an ApiError (400 with the field at fault,
// 413 for an over-long body) before any model work starts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sinkstream/conversation.hpp"

namespace sinkstream::server {

struct Limits {
  size_t max_body_bytes = size_t{1} << 20;  // larger bodies: 413
  int32_t max_depth = 32;                   // JSON nesting
  size_t max_messages = 4096;
  int32_t max_tokens = 4096;                // cap on max_tokens / max_completion_tokens
  int32_t default_max_tokens = 256;         // when the request gives none
  size_t max_stop = 4;                      // stop strings per request (as OpenAI)
  size_t max_stop_bytes = 256;
  int64_t max_prompt_tokens = 8192;         // tokens of the message texts (checked by the engine)
};

// Sampling and output options shared by both endpoints.
struct GenParams {
  int32_t max_tokens = 0;        // resolved: the request's, else Limits::default_max_tokens
  float temperature = 1.0f;      // [0, 2]
  float top_p = 1.0f;            // (0, 1]
  std::optional<uint64_t> seed;  // none: a fresh seed per request
  std::vector<std::string> stop;
  bool stream = false;
  bool include_usage = false;    // stream_options.include_usage
};

struct ChatRequest {
  std::string model;
  std::vector<conversation::Message> messages;
  GenParams gen;
  std::string session_id;           // "" = stateless
  std::optional<std::string> cache; // per-session cache policy (a new session only)
  std::optional<bool> keep_system;  // per-session: pin the system prompt
};

struct CompletionRequest {
  std::string model;
  std::string prompt;
  GenParams gen;
};

// Session ids: 1-64 characters of [A-Za-z0-9_.-], not starting with '.'.
bool valid_session_id(std::string_view id);

// `header_session_id`: the X-Session-Id header ("" = none); a body session_id
// that differs from it is an error.
ChatRequest parse_chat_request(std::string_view body, const Limits& limits, std::string_view header_session_id);
CompletionRequest parse_completion_request(std::string_view body, const Limits& limits);

}  // namespace sinkstream::server
