#include "server/http_server.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <map>
#include <mutex>

#include "server/api_error.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::server {

namespace {

using nlohmann::json;

void send_json(httplib::Response& res, int status, const json& j) {
  res.status = status;
  // Invalid UTF-8 (a parse error message quoting the client's bytes) becomes U+FFFD.
  res.set_content(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, const ApiError& e) { send_json(res, e.status(), e.to_json()); }

// The route a path belongs to, for the metrics' labels (ids left out).
std::string route_of(const std::string& path) {
  static constexpr const char* kRoutes[] = {"/v1/chat/completions", "/v1/completions", "/v1/models", "/v1/sessions",
                                            "/health", "/metrics"};
  for (const char* r : kRoutes) {
    if (path == r) return r;
  }
  if (path.rfind("/v1/sessions/", 0) == 0) return "/v1/sessions/{id}";
  return "other";
}

// Constant-time comparison of the bearer token.
bool same_token(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// cpp-httplib (Debian's 0.11, compiled) listens with a backlog of 5: many clients
// connecting at once get resets. listen() again on the bound socket widens it.
class Server : public httplib::Server {
 public:
  void widen_backlog(int backlog) {
    if (::listen(svr_sock_, backlog) != 0) throw Error(ErrorKind::kIo, "listen() on the server socket failed");
  }
};

}  // namespace

struct HttpServer::Impl {
  Engine& engine;
  HttpOptions options;
  Server svr;

  Impl(Engine& e, const HttpOptions& o) : engine(e), options(o) {
    const int workers =
        options.worker_threads > 0 ? options.worker_threads : static_cast<int>(engine.options().max_active) + 8;
    svr.new_task_queue = [workers] { return new httplib::ThreadPool(static_cast<size_t>(workers)); };
    // httplib answers 413 itself past this; a little over the engine's limit so the engine names it.
    svr.set_payload_max_length(engine.options().limits.max_body_bytes + 1);
    svr.set_read_timeout(static_cast<time_t>(options.read_timeout_s), 0);
    svr.set_write_timeout(60, 0);
    svr.set_tcp_nodelay(true);
    routes();
  }

  // Runs a handler body, turning errors into OpenAI error objects.
  template <typename F>
  static void guarded(httplib::Response& res, F&& f) {
    try {
      f();
    } catch (const ApiError& e) {
      send_error(res, e);
    } catch (const Error& e) {
      send_error(res, ApiError(400, "invalid_request_error", e.what()));
    } catch (const std::exception& e) {
      send_error(res, ApiError(500, "server_error", std::string("internal error: ") + e.what()));
    }
  }

  // A chat or completion turn: one JSON response, or a stream of events.
  static void respond(httplib::Response& res, std::shared_ptr<Turn> turn) {
    if (!turn->stream()) {
      const TurnResult r = turn->run(nullptr);
      send_json(res, 200, full_response(turn->head(), r.text, r.finish, r.usage));
      return;
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider("text/event-stream", [turn](size_t, httplib::DataSink& sink) {
      const ResponseHead& h = turn->head();
      const bool usage = turn->include_usage();
      auto send = [&](const std::string& ev) { return sink.write(ev.data(), ev.size()); };
      if (!send(role_event(h, usage))) return false;
      try {
        const TurnResult r = turn->run([&](std::string_view piece) { return send(text_event(h, piece, usage)); });
        if (r.cancelled) return false;  // the client is gone; its slot is freed with the turn
        send(finish_event(h, r.finish, usage));
        if (usage) send(usage_event(h, r.usage));
      } catch (const ApiError& e) {
        send(error_event(e.to_json()));
      } catch (const std::exception& e) {
        send(error_event(ApiError(500, "server_error", e.what()).to_json()));
      }
      send(std::string(kDoneEvent));
      sink.done();
      return true;
    });
  }

  void routes() {
    svr.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      stamp(req);
      if (options.api_key.empty() || req.path == "/health") return httplib::Server::HandlerResponse::Unhandled;
      const std::string auth = req.get_header_value("Authorization");
      const std::string prefix = "Bearer ";
      if (auth.rfind(prefix, 0) == 0 && same_token(auth.substr(prefix.size()), options.api_key)) {
        return httplib::Server::HandlerResponse::Unhandled;
      }
      send_error(res, ApiError(401, "invalid_request_error",
                               auth.empty() ? "missing API key: send the header 'Authorization: Bearer KEY'"
                                            : "incorrect API key",
                               "", "invalid_api_key"));
      return httplib::Server::HandlerResponse::Handled;
    });
    svr.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;  // a handler's own error object
      if (res.status == 404) {
        send_error(res, not_found("no route " + req.method + " " + req.path, "unknown_url"));
      } else if (res.status == 413) {
        send_error(res, ApiError(413, "invalid_request_error", "request body too large", "", "request_too_large"));
      } else {
        send_error(res, ApiError(res.status, "invalid_request_error", "bad request (HTTP " +
                                                                           std::to_string(res.status) + ")"));
      }
    });
    svr.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        send_error(res, ApiError(500, "server_error", std::string("internal error: ") + e.what()));
      } catch (...) {
        send_error(res, ApiError(500, "server_error", "internal error"));
      }
    });
    svr.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      engine.metrics().request(route_of(req.path), res.status, seconds_since_accept(req));
    });
    svr.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      guarded(res, [&] {
        ChatRequest r = parse_chat_request(req.body, engine.options().limits, req.get_header_value("X-Session-Id"));
        respond(res, engine.admit_chat(std::move(r)));
      });
    });
    svr.Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) {
      guarded(res, [&] {
        CompletionRequest r = parse_completion_request(req.body, engine.options().limits);
        respond(res, engine.admit_completion(std::move(r)));
      });
    });
    svr.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
      send_json(res, 200, engine.models_json());
    });
    svr.Get("/v1/sessions", [this](const httplib::Request&, httplib::Response& res) {
      guarded(res, [&] { send_json(res, 200, engine.sessions_json()); });
    });
    svr.Get(R"(/v1/sessions/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      guarded(res, [&] { send_json(res, 200, engine.session_json(req.matches[1])); });
    });
    svr.Delete(R"(/v1/sessions/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      guarded(res, [&] {
        const std::string id = req.matches[1];
        engine.erase_session(id);
        send_json(res, 200, json{{"id", id}, {"object", "session"}, {"deleted", true}});
      });
    });
    svr.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
      if (engine.draining()) send_json(res, 503, json{{"status", "draining"}});
      else send_json(res, 200, json{{"status", "ok"}});
    });
    svr.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(engine.metrics().render(engine.gauges()), "text/plain; version=0.0.4");
    });
  }

  // Request start times, for the latency histogram: keyed by the Request object.
  std::mutex starts_mu;
  std::map<const httplib::Request*, std::chrono::steady_clock::time_point> starts;
  void stamp(const httplib::Request& req) {
    std::lock_guard<std::mutex> lock(starts_mu);
    starts[&req] = std::chrono::steady_clock::now();
  }
  double seconds_since_accept(const httplib::Request& req) {
    std::lock_guard<std::mutex> lock(starts_mu);
    const auto it = starts.find(&req);
    if (it == starts.end()) return 0;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - it->second).count();
    starts.erase(it);
    return s;
  }
};

HttpServer::HttpServer(Engine& engine, const HttpOptions& options) : impl_(std::make_unique<Impl>(engine, options)) {}

HttpServer::~HttpServer() = default;

int HttpServer::bind() {
  const HttpOptions& o = impl_->options;
  int port = o.port;
  if (o.port == 0) {
    port = impl_->svr.bind_to_any_port(o.host);
    if (port < 0) throw Error(ErrorKind::kIo, "cannot bind to " + o.host + " (any port)");
  } else if (!impl_->svr.bind_to_port(o.host, o.port)) {
    throw Error(ErrorKind::kIo, "cannot bind to " + o.host + ":" + std::to_string(o.port) +
                                    " (in use, or not an address of this machine)");
  }
  impl_->svr.widen_backlog(1024);
  return port;
}

void HttpServer::listen() { impl_->svr.listen_after_bind(); }

void HttpServer::stop() { impl_->svr.stop(); }

}  // namespace sinkstream::server
