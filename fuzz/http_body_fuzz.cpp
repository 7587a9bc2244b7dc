// libFuzzer target: the input is an HTTP request body for /v1/chat/completions
// and /v1/completions, parsed and checked by src/server/request.cpp (the same
// code every request goes through before any model work). An ApiError (the 4xx
// the client gets) is a fine outcome; a crash, a sanitizer report, a hang or
// any other exception is a bug. Built with -DSINKSTREAM_FUZZ=ON (clang); run
// through `make fuzz` with the seeds in fuzz/corpus/http_body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/api_error.hpp"
#include "server/request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  sinkstream::server::Limits limits;
  limits.max_body_bytes = 1 << 16;
  try {
    const auto r = sinkstream::server::parse_chat_request(body, limits, "");
    // A parsed request must satisfy what the engine relies on.
    if (r.messages.empty() || r.gen.max_tokens < 1 || r.gen.max_tokens > limits.max_tokens) __builtin_trap();
    if (!r.session_id.empty() && !sinkstream::server::valid_session_id(r.session_id)) __builtin_trap();
  } catch (const sinkstream::server::ApiError& e) {
    if (e.status() < 400 || e.status() > 499) __builtin_trap();
    // As the server sends it (http_server.cpp send_json): invalid UTF-8 quoted from the body becomes U+FFFD.
    (void)e.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  try {
    const auto r = sinkstream::server::parse_completion_request(body, limits);
    if (r.gen.stop.size() > limits.max_stop) __builtin_trap();
  } catch (const sinkstream::server::ApiError& e) {
    if (e.status() < 400 || e.status() > 499) __builtin_trap();
  }
  return 0;
}
