// Private state of a Conversation, shared by conversation.cpp (turns) and
// conversation_state.cpp (stats, save/load).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conversation/chat_format.hpp"
#include "sinkstream/conversation.hpp"
#include "sinkstream/session.hpp"

namespace sinkstream::conversation {

struct Conversation::Impl {
  std::shared_ptr<const Model> model;
  Options opt;
  ChatFormat format;

  std::unique_ptr<Session> session;  // null until the first reply (or after reset)
  CachePolicy policy;                // what the session runs (after --keep-system)
  std::optional<Message> system;     // the system message the session was started with
  std::vector<int32_t> pinned;       // --keep-system: the pinned prefix ([S] token ids)
  std::vector<Message> window;       // the messages the last turn rendered (without its reply)
  std::optional<Message> last_reply; // the assistant reply of the last turn
  std::vector<int32_t> held;         // [n] the session's tokens in rendered form (window slides cut them)
  std::vector<int32_t> unfed;        // [0 or 1] the reply's last sampled token, not fed (max_tokens reached)
  std::optional<size_t> reply_held;  // the last reply's fed tokens, at the end of `held` (none: not known)

  // Rewind point: the session state before the last reply was generated.
  std::string snapshot;
  size_t snapshot_held = 0;  // held.size() at the snapshot
  bool has_snapshot = false;

  int64_t turns = 0;
  int64_t prompt_fed = 0, generated = 0;
  double prompt_seconds = 0, gen_seconds = 0;

  Impl(std::shared_ptr<const Model> m, const Options& o) : model(std::move(m)), opt(o), format(*model, o) {}

  void start_session(const Message* sys);
  void clear();
  int64_t cache_capacity() const;
};

}  // namespace sinkstream::conversation
