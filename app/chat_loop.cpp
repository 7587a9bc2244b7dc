#include "chat_loop.hpp"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <string_view>

#include "eval/resources.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::cli {

namespace {

using conversation::Message;
using conversation::text_message;

// The only process-wide state: what a SIGINT handler may touch.
std::atomic<bool> g_interrupted{false};
struct sigaction g_previous {};

extern "C" void on_sigint(int) { g_interrupted.store(true); }

void out(std::string_view s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fflush(stdout);
}

std::string argument_of(const std::string& line) {
  const size_t sp = line.find(' ');
  if (sp == std::string::npos) return "";
  const size_t b = line.find_first_not_of(' ', sp);
  return b == std::string::npos ? "" : line.substr(b);
}

}  // namespace

InterruptGuard::InterruptGuard() {
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &g_previous);
  g_interrupted.store(false);
}
InterruptGuard::~InterruptGuard() { sigaction(SIGINT, &g_previous, nullptr); }
bool InterruptGuard::interrupted() { return g_interrupted.load(); }
void InterruptGuard::clear() { g_interrupted.store(false); }

ChatLoop::ChatLoop(conversation::Conversation& conv, const conversation::ReplyLimits& limits, size_t keep_messages,
                   bool quiet)
    : conv_(conv), limits_(limits), keep_messages_(keep_messages), quiet_(quiet) {}

std::string ChatLoop::help() {
  return "Type a message and press Enter. Commands:\n"
         "  /save FILE   save the chat (FILE: session state, FILE.conv: messages and tokens)\n"
         "  /load FILE   continue a saved chat\n"
         "  /stats       position, cache occupancy, evictions, tokens/s\n"
         "  /reset       forget the conversation (the system prompt stays)\n"
         "  /help        this text\n"
         "  /quit        leave (also Ctrl-D); Ctrl-C stops a reply\n";
}

bool ChatLoop::handle(const std::string& line) {
  if (line.empty()) return true;
  if (line[0] == '/') return command(line);
  if (quiet_) {
    user_turn(line);  // piped: an error ends the run with exit status 1
    return true;
  }
  try {
    user_turn(line);
  } catch (const Error& e) {  // interactive: say so and keep the chat
    messages_.pop_back();
    std::fprintf(stderr, "sinkstream: error: %s\n", e.what());
  }
  return true;
}

void ChatLoop::user_turn(const std::string& text) {
  messages_.push_back(text_message("user", text));
  InterruptGuard guard;
  const conversation::Reply r = conv_.reply(messages_, limits_, [](std::string_view piece) {
    out(piece);
    return !InterruptGuard::interrupted();
  });
  out("\n");
  if (r.cancelled) std::fprintf(stderr, "sinkstream: reply stopped (the chat continues)\n");
  if (r.finish == conversation::FinishReason::kLength && !quiet_) {
    std::fprintf(stderr, "sinkstream: reply cut at %d tokens (--max-tokens)\n", r.completion_tokens);
  }
  if (!r.notice.empty()) std::fprintf(stderr, "sinkstream: note: %s\n", r.notice.c_str());
  messages_.push_back(text_message("assistant", r.text));
  // The conversation renders at most keep_messages_ recent messages: older ones can go.
  const size_t first = !messages_.empty() && messages_[0].role == "system" ? 1 : 0;  // a loaded system message stays
  if (messages_.size() > first + 2 * keep_messages_) {
    messages_.erase(messages_.begin() + static_cast<std::ptrdiff_t>(first),
                    messages_.end() - static_cast<std::ptrdiff_t>(keep_messages_));
  }
}

void ChatLoop::print_stats() const {
  const conversation::Stats s = conv_.stats();
  std::string cap = s.cache_capacity < 0 ? "unbounded" : std::to_string(s.cache_capacity);
  std::printf("position %lld, cache %lld/%s keys (%.1f KiB), evicted %lld, pinned %d, cache %s, turns %lld, "
              "prompt %.1f tokens/s, generation %.1f tokens/s, RSS %.1f MiB\n",
              static_cast<long long>(s.position), static_cast<long long>(s.cache_tokens), cap.c_str(),
              static_cast<double>(s.cache_bytes) / 1024.0, static_cast<long long>(s.evicted), s.pinned_tokens,
              s.cache_policy.c_str(), static_cast<long long>(s.turns), s.prompt_tokens_per_s, s.gen_tokens_per_s,
              static_cast<double>(eval::current_rss_bytes()) / (1024.0 * 1024.0));
  std::fflush(stdout);
}

bool ChatLoop::command(const std::string& line) {
  const std::string name = line.substr(0, line.find(' '));
  const std::string arg = argument_of(line);
  try {
    if (name == "/quit" || name == "/exit") return false;
    if (name == "/help") out(help());
    else if (name == "/stats") print_stats();
    else if (name == "/reset") {
      conv_.reset();
      messages_.clear();
      std::fprintf(stderr, "sinkstream: conversation reset\n");
    } else if ((name == "/save" || name == "/load") && arg.empty()) {
      std::fprintf(stderr, "sinkstream: error: %s needs a FILE\n", name.c_str());
    } else if (name == "/save") {
      conv_.save(arg);
      std::fprintf(stderr, "sinkstream: saved %s and %s.conv\n", arg.c_str(), arg.c_str());
    } else if (name == "/load") {
      conv_.load(arg);
      messages_ = conv_.window();
      std::fprintf(stderr, "sinkstream: loaded %s (%zu messages in the window)\n", arg.c_str(), messages_.size());
    } else {
      std::fprintf(stderr, "sinkstream: error: unknown command %s (try /help)\n", name.c_str());
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "sinkstream: error: %s\n", e.what());
  }
  return true;
}

}  // namespace sinkstream::cli
