// Durable sessions under --state-dir. After each completed turn a session is
// written as generation g:
//   <id>.<g>.state (+ <id>.<g>.state.conv)  Conversation::save (session state + held tokens)
//   <id>.json                               {id, generation, cache, keep_system, turns, history}
// The .json is written to a temporary file, fsync'ed and renamed over the old
// one (then the folder is fsync'ed), so it always names a complete generation;
// only then is generation g-1 removed. A kill at any point leaves either the
// previous turn's files or the new ones, never a mix.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sinkstream/conversation.hpp"

namespace sinkstream::server {

struct SessionMeta {
  std::string id;
  int64_t generation = 0;  // 0: never saved
  std::string cache;       // the policy the session was made with (before keep_system)
  bool keep_system = false;
  int64_t turns = 0;
  int64_t created = 0;     // Unix seconds
  std::vector<conversation::Message> history;  // the messages so far (bounded), replies included
};

class StateStore {
 public:
  // An empty dir: nothing is stored (sessions live in memory only).
  explicit StateStore(std::string dir);

  bool enabled() const { return !dir_.empty(); }
  // Saves `conv` as meta.generation + 1 and bumps meta.generation.
  void save(SessionMeta& meta, const conversation::Conversation& conv) const;
  // Every session stored (a damaged .json is skipped with a message on stderr).
  std::vector<SessionMeta> list() const;
  void load(const SessionMeta& meta, conversation::Conversation& conv) const;
  void remove(const SessionMeta& meta) const;

 private:
  std::string state_path(const std::string& id, int64_t generation) const;
  std::string dir_;
};

nlohmann::json message_to_json(const conversation::Message& m);

}  // namespace sinkstream::server
