#include "server/engine.hpp"

#include <chrono>
#include <iostream>
#include <random>

#include "server/api_error.hpp"
#include "server/completion_turn.hpp"
#include "sinkstream/error.hpp"
#include "sinkstream/session.hpp"

namespace sinkstream::server {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

SamplerParams sampling_of(const GenParams& g, uint64_t seed) {
  SamplerParams p;
  p.temperature = g.temperature;
  p.top_p = g.top_p;
  p.seed = g.seed ? *g.seed : seed;
  return p;
}

// The messages of this turn: a client that resends the whole conversation
// (the stored history is a prefix of it) or one that sends only what is new
// (appended to the history).
std::vector<conversation::Message> turn_messages(const std::vector<conversation::Message>& history,
                                                 const std::vector<conversation::Message>& sent) {
  const bool resend = sent.size() >= history.size() && std::equal(history.begin(), history.end(), sent.begin());
  if (resend) return sent;
  std::vector<conversation::Message> all = history;
  all.insert(all.end(), sent.begin(), sent.end());
  return all;
}

// Keeps the first message when it is the system prompt, and the newest ones.
void trim_history(std::vector<conversation::Message>* h, size_t max_messages) {
  if (h->size() <= max_messages) return;
  const size_t keep_first = (!h->empty() && h->front().role == "system") ? 1 : 0;
  const size_t drop = h->size() - max_messages;
  h->erase(h->begin() + static_cast<std::ptrdiff_t>(keep_first),
           h->begin() + static_cast<std::ptrdiff_t>(keep_first + drop));
}

}  // namespace

struct Engine::Entry {
  std::unique_ptr<conversation::Conversation> conv;
  SessionMeta meta;
  bool busy = false;  // a turn runs (guarded by Engine::mu_)
  int64_t last_used = 0;
  // The conversation's stats after its last turn (read while a turn runs, when
  // the conversation itself belongs to the worker thread). Guarded by Engine::mu_.
  conversation::Stats stats;
};

void Turn::finish() {
  if (finished_) return;
  finished_ = true;
  engine_.end_request();
}

Turn::~Turn() { Turn::finish(); }

TextFn Turn::watched(const TextFn& on_text) {
  const auto deadline = start_ + std::chrono::duration<double>(engine_.options_.request_timeout_s);
  return [this, on_text, deadline, first = true](std::string_view piece) mutable {
    if (first) engine_.metrics_.time_to_first_token(seconds_since(start_));
    first = false;
    if (on_text && !on_text(piece)) return false;
    if (Clock::now() > deadline) {
      timed_out_ = true;
      return false;
    }
    return true;
  };
}

// A chat turn: on a named session (kept) or on a conversation of its own (stateless).
class ChatTurn : public Turn {
 public:
  ChatTurn(Engine& e, ChatRequest req, std::shared_ptr<Engine::Entry> entry)
      : Turn(e), req_(std::move(req)), entry_(std::move(entry)) {}

  ~ChatTurn() override { ChatTurn::finish(); }

  void finish() override {
    if (finished_) return;
    if (entry_) {
      const conversation::Stats stats = entry_->conv->stats();
      std::lock_guard<std::mutex> lock(engine_.mu_);
      entry_->stats = stats;
      entry_->busy = false;
      entry_->last_used = unix_now();
    }
    Turn::finish();
  }

  TurnResult run(const TextFn& on_text) override {
    conversation::Conversation* conv = nullptr;
    std::unique_ptr<conversation::Conversation> own;
    std::vector<conversation::Message> messages = req_.messages;
    if (entry_) {
      conv = entry_->conv.get();
      messages = turn_messages(entry_->meta.history, req_.messages);
    } else {
      own = std::make_unique<conversation::Conversation>(
          engine_.model_, engine_.conversation_options(engine_.options_.cache.to_string(), false));
      conv = own.get();
    }
    conversation::ReplyLimits limits;
    limits.max_tokens = req_.gen.max_tokens;
    limits.stop = req_.gen.stop;
    limits.sampling = sampling_of(req_.gen, engine_.next_seed());
    TurnResult r;
    conversation::Reply reply;
    try {
      reply = conv->reply(messages, limits, watched(on_text));
    } catch (const Error& e) {
      release(conv);
      throw bad_request(e.what(), "messages", "invalid_conversation");
    }
    release(conv);
    r.text = reply.text;
    r.finish = std::string(conversation::to_string(reply.finish));
    if (timed_out_) {
      engine_.metrics_.timeout();
      r.finish = "length";
    }
    r.cancelled = reply.cancelled && !timed_out_;
    r.usage.prompt_tokens = reply.prompt_tokens;
    r.usage.completion_tokens = reply.completion_tokens;
    r.usage.cached_tokens = reply.prompt_tokens - reply.fed_tokens;
    engine_.metrics_.tokens(reply.fed_tokens, reply.completion_tokens);
    if (entry_ && !r.cancelled) {  // a completed turn: remember and save it
      conversation::Message answer;
      answer.role = "assistant";
      answer.content = reply.text;
      messages.push_back(std::move(answer));
      trim_history(&messages, engine_.options_.limits.max_messages);
      entry_->meta.history = std::move(messages);
      entry_->meta.turns += 1;
      engine_.store_.save(entry_->meta, *entry_->conv);
    }
    finish();
    return r;
  }

 private:
  // The session's turn is over: the batcher's next steps need not wait for it.
  void release(const conversation::Conversation* conv) {
    if (const Session* s = conv->session()) engine_.batcher_.release(*s);
  }

  ChatRequest req_;
  std::shared_ptr<Engine::Entry> entry_;
};

class CompletionTurn : public Turn {
 public:
  CompletionTurn(Engine& e, CompletionRequest req) : Turn(e), req_(std::move(req)) {}

  TurnResult run(const TextFn& on_text) override {
    const CompletionResult c =
        run_completion(engine_.model_, &engine_.batcher_, engine_.options_.cache, req_,
                       req_.gen.seed ? *req_.gen.seed : engine_.next_seed(), watched(on_text));
    TurnResult r;
    r.text = c.text;
    r.finish = timed_out_ ? "length" : c.finish;
    if (timed_out_) engine_.metrics_.timeout();
    r.cancelled = c.cancelled && !timed_out_;
    r.usage.prompt_tokens = c.prompt_tokens;
    r.usage.completion_tokens = c.completion_tokens;
    engine_.metrics_.tokens(c.prompt_tokens, c.completion_tokens);
    finish();
    return r;
  }

 private:
  CompletionRequest req_;
};

Engine::Engine(std::shared_ptr<const Model> model, EngineOptions options)
    : model_(std::move(model)), options_(std::move(options)), batcher_(model_, options_.batcher),
      store_(options_.state_dir), salt_(std::random_device{}()) {
  salt_ = (salt_ << 32) ^ static_cast<uint64_t>(Clock::now().time_since_epoch().count());
  for (SessionMeta& meta : store_.list()) {
    auto entry = std::make_shared<Entry>();
    try {
      entry->conv = std::make_unique<conversation::Conversation>(model_, conversation_options(meta.cache, meta.keep_system));
      store_.load(meta, *entry->conv);
    } catch (const std::exception& e) {
      std::cerr << "sinkstream serve: cannot restore session " << meta.id << ": " << e.what() << "\n";
      continue;
    }
    entry->meta = std::move(meta);
    entry->stats = entry->conv->stats();
    entry->last_used = unix_now();
    sessions_[entry->meta.id] = entry;
    ++restored_;
  }
}

Engine::~Engine() = default;

conversation::Options Engine::conversation_options(const std::string& cache, bool keep_system) const {
  conversation::Options o;
  try {
    o.cache = CachePolicy::parse(cache);
  } catch (const Error& e) {
    throw bad_request(std::string("cache: ") + e.what(), "cache", "invalid_value");
  }
  o.keep_system = keep_system;
  o.threads = 1;  // every step runs on the batcher's backend
  o.batcher = const_cast<Batcher*>(&batcher_);
  o.template_file = options_.template_file;
  o.max_tokens = options_.limits.max_tokens;
  return o;
}

void Engine::check_model(const std::string& model) const {
  if (model != options_.model_id) {
    throw ApiError(404, "invalid_request_error",
                   "the model '" + model + "' does not exist; this server serves '" + options_.model_id + "'", "model",
                   "model_not_found");
  }
}

void Engine::check_prompt_size(const std::vector<conversation::Message>& messages) const {
  int64_t n = 0;
  const Tokenizer& tok = model_->tokenizer();
  for (const auto& m : messages) {
    // Bytes bound the tokens from above; tokenize only when the bytes alone could exceed the limit.
    n += static_cast<int64_t>(m.content.size()) <= options_.limits.max_prompt_tokens - n
             ? static_cast<int64_t>(tok.encode(m.content, false).size())
             : static_cast<int64_t>(m.content.size());
    if (n > options_.limits.max_prompt_tokens) break;
  }
  if (n > options_.limits.max_prompt_tokens) {
    throw bad_request("the messages hold more than " + std::to_string(options_.limits.max_prompt_tokens) +
                          " tokens, this server's prompt limit",
                      "messages", "context_length_exceeded");
  }
}

void Engine::begin_request() {
  std::lock_guard<std::mutex> lock(mu_);
  if (draining_) throw ApiError(503, "server_error", "the server is shutting down", "", "shutting_down");
  if (active_ >= options_.max_active) {
    throw ApiError(429, "rate_limit_error",
                   "the server is busy: " + std::to_string(active_) + " requests are being served (limit " +
                       std::to_string(options_.max_active) + "); retry later",
                   "", "rate_limit_exceeded");
  }
  ++active_;
}

void Engine::end_request() {
  std::lock_guard<std::mutex> lock(mu_);
  --active_;
  idle_cv_.notify_all();
}

uint64_t Engine::next_seed() { return salt_ ^ (responses_.fetch_add(1) * 0x9E3779B97F4A7C15ull); }

ResponseHead Engine::make_head(Endpoint e, const std::string& session_id) {
  ResponseHead h;
  h.endpoint = e;
  h.id = response_id(e, salt_, responses_.fetch_add(1));
  h.created = unix_now();
  h.model = options_.model_id;
  h.session_id = session_id;
  return h;
}

std::shared_ptr<Engine::Entry> Engine::acquire_session(const ChatRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(req.session_id);
  if (it != sessions_.end()) {
    Entry& e = *it->second;
    if (e.busy) {
      throw ApiError(409, "invalid_request_error", "session '" + req.session_id + "' is answering another request",
                     "session_id", "session_busy");
    }
    if (req.cache && CachePolicy::parse(*req.cache).to_string() != CachePolicy::parse(e.meta.cache).to_string()) {
      throw bad_request("session '" + req.session_id + "' was made with cache " + e.meta.cache +
                            "; a session's cache policy cannot change",
                        "cache", "invalid_value");
    }
    if (req.keep_system && *req.keep_system != e.meta.keep_system) {
      throw bad_request("session '" + req.session_id + "' was made with keep_system " +
                            (e.meta.keep_system ? "true" : "false") + "; it cannot change",
                        "keep_system", "invalid_value");
    }
    e.busy = true;
    return it->second;
  }
  if (sessions_.size() >= options_.max_sessions) {
    throw ApiError(429, "rate_limit_error",
                   "the server holds " + std::to_string(sessions_.size()) +
                       " sessions, its limit; DELETE /v1/sessions/{id} one that is done",
                   "session_id", "too_many_sessions");
  }
  auto entry = std::make_shared<Entry>();
  entry->meta.id = req.session_id;
  entry->meta.cache = req.cache ? *req.cache : options_.cache.to_string();
  entry->meta.keep_system = req.keep_system.value_or(options_.keep_system);
  entry->meta.created = unix_now();
  try {
    entry->conv = std::make_unique<conversation::Conversation>(
        model_, conversation_options(entry->meta.cache, entry->meta.keep_system));
  } catch (const Error& e) {
    throw bad_request(e.what(), req.cache ? "cache" : "", "invalid_value");
  }
  entry->busy = true;
  sessions_[req.session_id] = entry;
  return entry;
}

std::unique_ptr<Turn> Engine::admit_chat(ChatRequest req) {
  check_model(req.model);
  check_prompt_size(req.messages);
  begin_request();
  std::unique_ptr<ChatTurn> turn;
  try {
    std::shared_ptr<Entry> entry;
    if (!req.session_id.empty()) entry = acquire_session(req);
    const std::string sid = req.session_id;
    const bool stream = req.gen.stream, usage = req.gen.include_usage;
    turn = std::make_unique<ChatTurn>(*this, std::move(req), std::move(entry));
    turn->head_ = make_head(Endpoint::kChat, sid);
    turn->stream_ = stream;
    turn->include_usage_ = usage;
  } catch (...) {
    if (!turn) end_request();
    throw;
  }
  return turn;
}

std::unique_ptr<Turn> Engine::admit_completion(CompletionRequest req) {
  check_model(req.model);
  if (static_cast<int64_t>(req.prompt.size()) > options_.limits.max_prompt_tokens &&
      static_cast<int64_t>(model_->tokenizer().encode(req.prompt, false).size()) > options_.limits.max_prompt_tokens) {
    throw bad_request("the prompt holds more than " + std::to_string(options_.limits.max_prompt_tokens) +
                          " tokens, this server's prompt limit",
                      "prompt", "context_length_exceeded");
  }
  begin_request();
  const bool stream = req.gen.stream, usage = req.gen.include_usage;
  auto turn = std::make_unique<CompletionTurn>(*this, std::move(req));
  turn->head_ = make_head(Endpoint::kCompletion, "");
  turn->stream_ = stream;
  turn->include_usage_ = usage;
  return turn;
}

json Engine::models_json() const {
  return json{{"object", "list"},
              {"data", json::array({json{{"id", options_.model_id}, {"object", "model"}, {"created", 0},
                                         {"owned_by", "sinkstream"}}})}};
}

namespace {

json entry_json(const std::string& id, const SessionMeta& meta, const conversation::Stats& s, bool busy) {
  return json{{"id", id},
              {"object", "session"},
              {"created", meta.created},
              {"turns", meta.turns},
              {"messages", meta.history.size()},
              {"position", s.position},
              {"cache", s.cache_policy.empty() ? meta.cache : s.cache_policy},
              {"keep_system", meta.keep_system},
              {"pinned_tokens", s.pinned_tokens},
              {"cache_tokens", s.cache_tokens},
              {"cache_capacity", s.cache_capacity},
              {"cache_bytes", s.cache_bytes},
              {"evicted", s.evicted},
              {"saved_generation", meta.generation},
              {"busy", busy}};
}

}  // namespace

json Engine::sessions_json() const {
  std::lock_guard<std::mutex> lock(mu_);
  json data = json::array();
  for (const auto& [id, e] : sessions_) data.push_back(entry_json(id, e->meta, e->stats, e->busy));
  return json{{"object", "list"}, {"data", data}};
}

json Engine::session_json(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = sessions_.find(id);
  if (it == sessions_.end()) throw not_found("no session '" + id + "'", "session_not_found");
  return entry_json(id, it->second->meta, it->second->stats, it->second->busy);
}

void Engine::erase_session(const std::string& id) {
  std::shared_ptr<Entry> gone;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto it = sessions_.find(id);
    if (it == sessions_.end()) throw not_found("no session '" + id + "'", "session_not_found");
    if (it->second->busy) {
      throw ApiError(409, "invalid_request_error", "session '" + id + "' is answering a request", "", "session_busy");
    }
    gone = it->second;
    sessions_.erase(it);
  }
  store_.remove(gone->meta);
}

bool Engine::drain(double seconds) {
  draining_ = true;
  std::unique_lock<std::mutex> lock(mu_);
  return idle_cv_.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return active_ == 0; });
}

Gauges Engine::gauges() const {
  Gauges g;
  {
    std::lock_guard<std::mutex> lock(mu_);
    g.sessions = static_cast<int64_t>(sessions_.size());
    g.active_requests = static_cast<int64_t>(active_);
    for (const auto& [id, e] : sessions_) {  // as of each session's last turn
      g.cache_tokens += e->stats.cache_tokens;
      g.cache_bytes += static_cast<int64_t>(e->stats.cache_bytes);
      g.evicted_tokens += e->stats.evicted;
    }
  }
  const BatcherStats b = batcher_.stats();
  g.queue_depth = b.queued;
  g.batch_steps = b.steps;
  g.batch_rows = b.rows;
  g.batch_segments = b.segments;
  return g;
}

}  // namespace sinkstream::server
