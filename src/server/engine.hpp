// The serving engine behind the HTTP routes: one Model and one Batcher shared by
// every request; named sessions (a Conversation each, kept between requests,
// saved after every completed turn under --state-dir and restored at start);
// admission limits (sessions, concurrent requests, prompt size); metrics.
//
// A request is first admitted (admit_*: every check that can fail with a 4xx
// happens here, before a streamed response starts), then run by the returned
// Turn in the HTTP worker's thread, which blocks in the batcher between steps.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "server/metrics.hpp"
#include "server/openai_format.hpp"
#include "server/request.hpp"
#include "server/state_store.hpp"
#include "sinkstream/batcher.hpp"
#include "sinkstream/cache_policy.hpp"
#include "sinkstream/conversation.hpp"
#include "sinkstream/model.hpp"

namespace sinkstream::server {

struct EngineOptions {
  std::string model_id;            // the name /v1/models lists and requests must use
  CachePolicy cache;               // default policy of new sessions and stateless requests
  bool keep_system = false;        // default for new sessions
  std::string template_file;       // chat template file ("" = the model's)
  size_t max_sessions = 256;       // named sessions held; a new one beyond: 429
  size_t max_active = 64;          // requests served at once; beyond: 429
  double request_timeout_s = 600;  // generation stops (finish_reason "length") after this
  std::string state_dir;           // "" = sessions are not saved
  Limits limits;
  BatcherOptions batcher;
};

struct TurnResult {
  std::string text;
  std::string finish;  // "stop" | "length"
  Usage usage;
  bool cancelled = false;  // the client went away (on_text returned false)
};

using TextFn = std::function<bool(std::string_view piece)>;

class Engine;

// One admitted request. Holds its slot among the active requests (and its
// session's turn) until destroyed.
class Turn {
 public:
  virtual ~Turn();
  // Generates; on_text gets each piece of text (false: stop, the client is gone).
  virtual TurnResult run(const TextFn& on_text) = 0;
  const ResponseHead& head() const { return head_; }
  bool stream() const { return stream_; }
  bool include_usage() const { return include_usage_; }

 protected:
  friend class Engine;
  explicit Turn(Engine& e) : engine_(e) {}
  // Frees the request's slot (and its session) once generation is over, before
  // the last events are written, so a client may send its next turn at once.
  // Idempotent; the destructor calls it too (errors, hang-ups).
  virtual void finish();
  // on_text wrapped: records the time to the first text and stops generation
  // (timed_out_ = true) past the request timeout.
  TextFn watched(const TextFn& on_text);
  Engine& engine_;
  bool finished_ = false;
  bool timed_out_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  ResponseHead head_;
  bool stream_ = false, include_usage_ = false;
};

class Engine {
 public:
  // Restores every session saved under options.state_dir.
  Engine(std::shared_ptr<const Model> model, EngineOptions options);
  ~Engine();

  // Throw ApiError: 404 unknown model, 409 session busy, 429 too many requests or
  // sessions, 503 draining, 400 bad options or an over-long prompt.
  std::unique_ptr<Turn> admit_chat(ChatRequest req);
  std::unique_ptr<Turn> admit_completion(CompletionRequest req);

  nlohmann::json models_json() const;
  nlohmann::json sessions_json() const;
  nlohmann::json session_json(const std::string& id) const;  // 404 when unknown
  void erase_session(const std::string& id);                  // 404 unknown, 409 busy

  // SIGTERM: refuse new requests (503), wait up to `seconds` for the active ones.
  // Returns true when none is left. Sessions are saved after every turn already.
  bool drain(double seconds);
  bool draining() const { return draining_.load(); }

  Metrics& metrics() { return metrics_; }
  Gauges gauges() const;
  const EngineOptions& options() const { return options_; }
  size_t restored_sessions() const { return restored_; }

 private:
  friend class Turn;
  friend class ChatTurn;
  friend class CompletionTurn;
  struct Entry;  // a named session

  conversation::Options conversation_options(const std::string& cache, bool keep_system) const;
  std::shared_ptr<Entry> acquire_session(const ChatRequest& req);
  void check_prompt_size(const std::vector<conversation::Message>& messages) const;
  void check_model(const std::string& model) const;
  void begin_request();  // counts an active request or throws 429 / 503
  void end_request();
  ResponseHead make_head(Endpoint e, const std::string& session_id);
  uint64_t next_seed();

  std::shared_ptr<const Model> model_;
  EngineOptions options_;
  Batcher batcher_;
  StateStore store_;
  Metrics metrics_;
  mutable std::mutex mu_;
  std::condition_variable idle_cv_;
  std::map<std::string, std::shared_ptr<Entry>> sessions_;
  size_t active_ = 0;
  std::atomic<bool> draining_{false};
  std::atomic<uint64_t> responses_{0};
  uint64_t salt_;
  size_t restored_ = 0;
};

}  // namespace sinkstream::server
