// The chat command's turn loop: user lines and /commands against one
// Conversation, the reply streamed to stdout, Ctrl-C stopping a reply.
#pragma once

#include <string>
#include <vector>

#include "sinkstream/conversation.hpp"

namespace sinkstream::cli {

class ChatLoop {
 public:
  // quiet: no "reply cut" remarks on stderr (piped use); notices of fallbacks always show.
  ChatLoop(conversation::Conversation& conv, const conversation::ReplyLimits& limits, size_t keep_messages, bool quiet);

  // One input line: a /command or a user message. Returns false on /quit.
  bool handle(const std::string& line);

  static std::string help();

 private:
  void user_turn(const std::string& text);
  bool command(const std::string& line);
  void print_stats() const;

  conversation::Conversation& conv_;
  conversation::ReplyLimits limits_;
  size_t keep_messages_;                            // the conversation renders no more than these
  bool quiet_;
  std::vector<conversation::Message> messages_;     // [n] what the user sees, oldest first (bounded)
};

// Ctrl-C while a reply streams: stops the reply (the session keeps what was
// decoded). Installed for the lifetime of the guard; a second Ctrl-C outside a
// reply exits as usual.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  static bool interrupted();
  static void clear();
};

}  // namespace sinkstream::cli
