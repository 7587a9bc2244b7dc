#include "server/serve.hpp"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <thread>

#include "sinkstream/error.hpp"
#include "sinkstream/model.hpp"

namespace sinkstream::server {

int serve(std::shared_ptr<const Model> model, const ServeOptions& options) {
  // SIGTERM/SIGINT go to one thread that sigwait()s; a client that hangs up
  // must not kill the server through SIGPIPE.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  const EngineOptions& eo = options.engine;
  Engine engine(std::move(model), eo);
  HttpServer http(engine, options.http);
  const int port = http.bind();
  std::printf("sinkstream serve: listening on http://%s:%d (model %s, %zu sessions restored%s)\n",
              options.http.host.c_str(), port, eo.model_id.c_str(), engine.restored_sessions(),
              options.http.api_key.empty() ? "" : ", API key required");
  std::fflush(stdout);

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (sig == 0) return;  // woken by the pthread_kill below after listen() ended on its own
    std::fprintf(stderr, "sinkstream serve: %s: draining (up to %.0f s)\n", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                 options.drain_s);
    const bool idle = engine.drain(options.drain_s);
    std::fprintf(stderr, "sinkstream serve: %s; stopping\n", idle ? "all requests done" : "drain timed out");
    http.stop();
  });
  http.listen();
  // listen() returns after stop(); if it returned for another reason, wake the waiter.
  if (!engine.draining()) pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return 0;
}

}  // namespace sinkstream::server
