// The HTTP front of `sinkstream serve` (cpp-httplib): the OpenAI routes, the
// sessions API, /health and /metrics, bearer-token auth, and a graceful stop.
//
//   POST   /v1/chat/completions   (stream: server-sent events ending "data: [DONE]")
//   POST   /v1/completions
//   GET    /v1/models
//   GET    /v1/sessions, GET /v1/sessions/{id}, DELETE /v1/sessions/{id}
//   GET    /health                (no auth)
//   GET    /metrics               (Prometheus text)
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "server/engine.hpp"

namespace sinkstream::server {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 8080;              // 0 = any free port
  std::string api_key;          // "" = no auth
  int worker_threads = 0;       // 0 = max_active + 8 (every active stream holds one)
  double read_timeout_s = 30;   // a client that sends its request slower than this is dropped
};

class HttpServer {
 public:
  HttpServer(Engine& engine, const HttpOptions& options);
  ~HttpServer();

  // Binds; returns the port (the chosen one when options.port is 0). Throws on failure.
  int bind();
  // Serves until stop(); `on_listening` is called once accepting.
  void listen();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sinkstream::server
