// An incremental chat over one Session: the caller hands the whole conversation
// (OpenAI-style messages) on every turn; the Conversation renders it with the
// model's chat template, feeds only the tokens the session does not hold yet,
// and streams the assistant's reply until an end-of-turn token, a stop string
// or the token limit. Used by `sinkstream chat` and by the server.
//
// Unbounded chats: each turn renders the system message plus a bounded window
// of recent messages (Options::window_messages), never the whole history (a
// template's loop cap and cost grow with it). When the window slides, the
// tokens of the dropped messages are cut out of what the session is known to
// hold (the cache has evicted or will evict them anyway), so turns stay
// incremental. docs/chat.md explains the rules and the fallbacks.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sinkstream/cache_policy.hpp"
#include "sinkstream/model.hpp"
#include "sinkstream/sampler.hpp"
#include "sinkstream/session.hpp"

namespace sinkstream::conversation {

struct ToolCall {
  std::string id;               // "call_0"
  std::string type = "function";
  std::string name;             // function name
  std::string arguments;        // JSON text, as the OpenAI API sends it (rendered as an object when it parses as one)

  bool operator==(const ToolCall&) const = default;
};

struct Message {
  std::string role;                              // system | user | assistant | tool
  std::string content;                           // UTF-8
  std::optional<std::string> reasoning_content;  // an assistant's thinking, for templates that render it
  std::vector<ToolCall> tool_calls;              // assistant: the calls it made
  std::string tool_call_id;                      // tool: the call this message answers ("" = none)
  std::string name;                              // optional author / tool name ("" = none)

  bool operator==(const Message&) const = default;
};

// A message with just a role and text.
inline Message text_message(std::string role, std::string content) {
  Message m;
  m.role = std::move(role);
  m.content = std::move(content);
  return m;
}

struct Options {
  // The system prompt used when the message list does not start with a system message.
  std::string system;
  // Pin the system prompt: the cache policy becomes sink:S:W with S = the tokens of
  // BOS + the rendered system prompt (W from `cache`: sink:_:W or window:W; dense
  // evicts nothing and stays dense). Other policies are refused.
  bool keep_system = false;
  CachePolicy cache;              // default dense
  SamplerParams sampling;
  std::vector<std::string> stop;  // stop strings (not included in the reply text)
  int32_t max_tokens = 512;       // per reply (>= 1)
  int32_t threads = 0;            // 0 = all cores
  Device device = Device::kCpu;   // where the forward pass runs (backend.hpp)
  Batcher* batcher = nullptr;     // the server's continuous batching (SessionOptions::batcher)
  int32_t batch = 64;             // prefill chunk
  bool kv_f16 = false;
  // Where the template comes from: the model's tokenizer.chat_template unless a file is given.
  std::string template_file;
  std::string template_name;      // a named variant (tokenizer.chat_template.NAME)
  // Messages rendered per turn besides the system message (the window starts at a user message).
  int32_t window_messages = 32;
  // Rewind points: a copy of the session state is kept before each reply when its
  // cache is at most this many bytes (0 = never), so a template that rewrites the
  // last reply costs a re-feed of that reply instead of a reset.
  size_t checkpoint_max_bytes = size_t{256} << 20;
};

// Per-call additions to Options.
struct ReplyLimits {
  int32_t max_tokens = 0;          // 0 = Options::max_tokens
  std::vector<std::string> stop;   // added to Options::stop
  std::string tools_json;          // JSON list of tool specifications passed as `tools` ("" = none)
  // Sampling for this reply only (the server's per-request temperature, top_p,
  // seed: a fresh Sampler seeded with its seed); none = Options::sampling.
  std::optional<SamplerParams> sampling;
};

enum class FinishReason { kStop, kLength };
std::string_view to_string(FinishReason r);  // "stop", "length"

struct Reply {
  std::string text;                 // the assistant's reply (without end-of-turn token or stop string)
  FinishReason finish = FinishReason::kStop;
  bool cancelled = false;           // the callback returned false (finish is kStop)
  int32_t prompt_tokens = 0;        // tokens the rendered conversation has (the window)
  int32_t fed_tokens = 0;           // of them, tokens fed this turn (the rest were already held)
  int32_t completion_tokens = 0;    // tokens sampled
  std::string notice;               // non-empty when a fallback happened: what and why (one line)
};

struct Stats {
  int64_t position = 0;            // tokens fed since the session began (stream position)
  int64_t cache_tokens = 0;        // keys the next query attends to (cache occupancy)
  int64_t cache_capacity = -1;     // slots of a bounded policy; -1 = unbounded (dense)
  int64_t evicted = 0;             // tokens evicted so far (position - cache_tokens)
  size_t cache_bytes = 0;
  int32_t pinned_tokens = 0;       // --keep-system: tokens of the pinned prefix (0 = none)
  std::string cache_policy;        // the policy in use (after --keep-system)
  int64_t turns = 0;
  double prompt_tokens_per_s = 0;  // over every turn so far
  double gen_tokens_per_s = 0;
};

// Called with each piece of reply text as it is decoded (complete UTF-8, stop
// strings held back until they can no longer match); return false to stop.
using TextCallback = std::function<bool(std::string_view piece)>;

class Conversation {
 public:
  // Finds the chat template (throws sinkstream::Error saying how to give one with
  // --chat-template when the model has none) and checks the options.
  Conversation(std::shared_ptr<const Model> model, const Options& options);
  ~Conversation();
  Conversation(const Conversation&) = delete;
  Conversation& operator=(const Conversation&) = delete;

  // Renders `messages` (+ the generation prompt), feeds the new tokens, generates.
  // Throws sinkstream::Error (one line) on invalid input: an unknown role, invalid
  // UTF-8, a template that rejects the conversation or exceeds its caps.
  Reply reply(const std::vector<Message>& messages, const ReplyLimits& limits = {},
              const TextCallback& on_text = {});

  Stats stats() const;

  // Saved chats: the session state file at `path` plus `path`.conv (the window of
  // messages and the tokens held). load() replaces this conversation's state.
  void save(const std::string& path) const;
  void load(const std::string& path);
  // Forgets everything (a fresh session on the next reply).
  void reset();

  // The messages the session holds in rendered form: the system message (if any),
  // the last turn's window and its reply. A client that lost its history (after
  // load()) continues from these.
  std::vector<Message> window() const;
  // The tokens the session holds in rendered form (what the next turn is matched against).
  std::span<const int32_t> held_tokens() const;
  // The session (nullptr before the first reply): for cached_kv() in tests and probes.
  const Session* session() const;
  // The template in use and where it came from.
  const std::string& template_origin() const;

  struct Impl;  // src/conversation/conversation_impl.hpp

 private:
  std::unique_ptr<Impl> impl_;
};

// Messages from OpenAI-style JSON text: a list of messages or {"messages": [...]}.
// Throws sinkstream::Error naming the message index and field at fault.
std::vector<Message> messages_from_json(std::string_view json_text);

}  // namespace sinkstream::conversation
