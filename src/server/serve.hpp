// `sinkstream serve`: load the model, restore saved sessions, bind, print the
// address, serve until SIGTERM/SIGINT, then drain (finish the requests in
// flight, refuse new ones with 503) and exit. Sessions are saved after every
// completed turn, so nothing is left to save at the end.
#pragma once

#include <memory>
#include <string>

#include "server/engine.hpp"
#include "server/http_server.hpp"

namespace sinkstream::server {

struct ServeOptions {
  EngineOptions engine;  // engine.model_id must be set
  HttpOptions http;
  double drain_s = 30;  // how long SIGTERM waits for requests in flight
};

// Returns the process exit code. Throws sinkstream::Error on start-up failures.
int serve(std::shared_ptr<const Model> model, const ServeOptions& options);

}  // namespace sinkstream::server
