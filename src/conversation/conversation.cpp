// Turns: render the window, match it against what the session holds, feed the
// new tokens (rewinding or resetting when the template rewrote history), then
// sample the reply. docs/chat.md describes the rules.
#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "conversation/conversation_impl.hpp"
#include "conversation/messages.hpp"
#include "conversation/pinned_prefix.hpp"
#include "conversation/stop_strings.hpp"
#include "conversation/token_window.hpp"
#include "sinkstream/error.hpp"
#include "sinkstream/tokenizer.hpp"

namespace sinkstream::conversation {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void add_notice(Reply& r, const std::string& line) { r.notice += (r.notice.empty() ? "" : "; ") + line; }

}  // namespace

std::string_view to_string(FinishReason r) { return r == FinishReason::kLength ? "length" : "stop"; }

void Conversation::Impl::clear() {
  session.reset();
  system.reset();
  pinned.clear();
  window.clear();
  last_reply.reset();
  held.clear();
  unfed.clear();
  reply_held.reset();
  snapshot.clear();
  has_snapshot = false;
}

void Conversation::Impl::start_session(const Message* sys) {
  clear();
  if (sys != nullptr) system = *sys;
  policy = opt.cache;
  if (opt.keep_system) {
    pinned = pinned_prefix(format, sys);
    const int32_t extra = model->has_sink_token() ? 1 : 0;
    policy = keep_system_policy(opt.cache, static_cast<int32_t>(pinned.size()) + extra);
  }
  SessionOptions so;
  so.cache = policy;
  so.threads = opt.threads;
  so.device = opt.device;
  so.batch = opt.batch;
  so.kv_f16 = opt.kv_f16;
  so.sampler = opt.sampling;
  so.batcher = opt.batcher;
  session = std::make_unique<Session>(model, so);
}

int64_t Conversation::Impl::cache_capacity() const {
  constexpr int64_t kFar = int64_t{1} << 40;
  const int64_t keys = policy.live_keys(kFar);
  return keys < kFar ? keys : -1;
}

namespace {

// When the window slid by d messages, cut their tokens out of `held`.
void rebase(Conversation::Impl& s, const Message* sys, size_t d) {
  const std::span<const Message> prev(s.window);
  const std::vector<int32_t> t_old = s.format.tokens(sys, prev, false, "");
  const std::vector<int32_t> t_new = s.format.tokens(sys, prev.subspan(d), false, "");
  if (common_prefix(t_old, s.held) != t_old.size()) return;  // the prefix check will explain
  const std::optional<TokenSpan> cut = dropped_span(t_old, t_new);
  if (!cut) return;
  const auto b = static_cast<std::ptrdiff_t>(cut->begin), e = static_cast<std::ptrdiff_t>(cut->end);
  if (s.reply_held && cut->end + *s.reply_held > s.held.size()) s.reply_held.reset();  // not before the reply
  s.held.erase(s.held.begin() + b, s.held.begin() + e);
  if (s.has_snapshot) {
    if (s.snapshot_held >= cut->end) s.snapshot_held -= cut->end - cut->begin;
    else if (s.snapshot_held > cut->begin) s.has_snapshot = false;
  }
}

// Divergence before the rewind point: a fresh session fed with the tokens that
// fit the cache (the pinned or sink prefix and the most recent tokens).
void reset_and_refeed(Conversation::Impl& s, const Message* sys, const std::vector<int32_t>& target, size_t at,
                      Reply& reply) {
  const size_t old_held = s.held.size();
  s.start_session(sys);
  const int64_t cap = s.cache_capacity();
  std::vector<int32_t> feed = target;
  if (cap > 0 && static_cast<int64_t>(target.size()) > cap) {
    const size_t head = s.policy.name == "sink" ? static_cast<size_t>(s.policy.args[0]) : 0;
    const size_t tail = static_cast<size_t>(cap) - std::min(head, static_cast<size_t>(cap));
    feed.assign(target.begin(), target.begin() + static_cast<std::ptrdiff_t>(std::min(head, target.size())));
    feed.insert(feed.end(), target.end() - static_cast<std::ptrdiff_t>(tail), target.end());
  }
  add_notice(reply, "the rendered conversation differs from what the session holds at token " + std::to_string(at) +
                        " of " + std::to_string(old_held) + " (before the last rewind point): new session, re-fed " +
                        std::to_string(feed.size()) + " of its " + std::to_string(target.size()) + " tokens");
  s.session->eval(feed);
  s.held = target;
  reply.fed_tokens = static_cast<int32_t>(feed.size());
}

// The text of `parts` decoded one piece after another, the first after `prev`
// (-1: at the start); nullopt when a token spells nothing (a control token: its
// text would not tell).
std::optional<std::string> spell(const Tokenizer& tok, int32_t prev,
                                 std::initializer_list<std::span<const int32_t>> parts) {
  std::string out;
  for (std::span<const int32_t> part : parts) {
    for (const int32_t t : part) {
      const std::string piece = tok.decode_piece(prev, t);
      if (piece.empty()) return std::nullopt;
      out += piece;
      prev = t;
    }
  }
  return out;
}

// The text a reply's tokens showed the client, as generate() emits it: decoded
// from the start of the reply (prev -1, so the tokenizer drops what it drops at
// a start: SentencePiece's leading space, the whole piece of a lone U+2581),
// bytes that are not valid UTF-8 as U+FFFD (Utf8StreamDecoder).
std::string shown(const Tokenizer& tok, std::span<const int32_t> fed, std::span<const int32_t> unfed) {
  Utf8StreamDecoder utf8;
  std::string out;
  int32_t prev = -1;
  for (std::span<const int32_t> part : {fed, unfed}) {
    for (const int32_t t : part) {
      out += utf8.push(tok.decode_piece(prev, t));
      prev = t;
    }
  }
  return out + utf8.flush();
}

// j such that target[from..j) spells exactly `have` (its pieces decoded after
// target[from - 1]), or nullopt.
std::optional<size_t> spelled_until(const Tokenizer& tok, std::span<const int32_t> target, size_t from,
                                    const std::string& have) {
  std::string got;
  int32_t prev = from > 0 ? target[from - 1] : -1;
  for (size_t j = from; j < target.size() && got.size() < have.size(); ++j) {
    const std::string piece = tok.decode_piece(prev, target[j]);
    if (piece.empty()) return std::nullopt;
    got += piece;
    prev = target[j];
    if (got.size() > have.size() || have.compare(0, got.size(), got) != 0) return std::nullopt;
    if (got.size() == have.size()) return j + 1;
  }
  return std::nullopt;
}

// A sampled reply comes back as text, and the tokenizer may split that text
// differently from the tokens the model sampled (often with random weights, now
// and then with trained ones). When held[c..] and then `unfed` spell exactly the
// text of target[c..j) for some j, the session already holds that text: returns j.
// Tokens that spell nothing (control tokens) end the match: their text would not tell.
//
// The client saw the reply as shown() gives it, which can differ from the text its
// tokens spell after the assistant header: without the leading space of a first
// SentencePiece token (the tokenizer drops it at a start), and with U+FFFD for bytes
// that are not valid UTF-8. When the last `reply_held` tokens of `held` (then
// `unfed`) are the reply and the rendered ids spell exactly that shown text there
// (the tokens held before the reply in context, as above), the session holds the
// reply as well: returns j too.
std::optional<size_t> realign(const Tokenizer& tok, std::span<const int32_t> held, std::span<const int32_t> unfed,
                              std::span<const int32_t> target, size_t c, std::optional<size_t> reply_held) {
  const int32_t before = c > 0 ? held[c - 1] : -1;  // == target[c - 1]: the pieces' shared context
  if (const std::optional<std::string> have = spell(tok, before, {held.subspan(c), unfed})) {
    if (const std::optional<size_t> j = spelled_until(tok, target, c, *have)) return j;
  }
  if (!reply_held || *reply_held > held.size()) return std::nullopt;
  const size_t r = held.size() - *reply_held;  // where the reply begins
  const std::span<const int32_t> fed = held.subspan(r);
  if (fed.empty() && unfed.empty()) return std::nullopt;
  // Every token spells something in context (no control token), so shown() differs only as said.
  const std::optional<std::string> in_context = spell(tok, r > 0 ? held[r - 1] : -1, {fed, unfed});
  if (!in_context) return std::nullopt;
  const std::string as_shown = shown(tok, fed, unfed);
  if (as_shown == *in_context) return std::nullopt;  // no other text to try
  const size_t from = std::min(c, r);  // held[from..c) == target[from..c)
  const std::optional<std::string> lead = spell(tok, from > 0 ? held[from - 1] : -1, {held.subspan(from, r - from)});
  if (!lead) return std::nullopt;
  return spelled_until(tok, target, from, *lead + as_shown);
}

// Makes the session hold `target`: feeds only what it lacks.
void sync(Conversation::Impl& s, const Message* sys, const std::vector<int32_t>& target, Reply& reply) {
  if (target.empty()) throw Error(ErrorKind::kInvalidArg, s.format.origin() + ": the template rendered nothing");
  const bool pinned_ok = common_prefix(target, s.pinned) == s.pinned.size();
  const size_t c = common_prefix(s.held, target);
  const std::vector<int32_t> unfed = std::exchange(s.unfed, {});
  const std::optional<size_t> reply_held = std::exchange(s.reply_held, std::nullopt);
  if (pinned_ok && c < s.held.size()) {
    if (const std::optional<size_t> j = realign(s.model->tokenizer(), s.held, unfed, target, c, reply_held)) {
      // The session keeps its own tokens for that text; from here on `held` is the rendered form.
      if (!unfed.empty()) s.session->eval(std::span<const int32_t>(unfed));
      const std::span<const int32_t> fresh = std::span<const int32_t>(target).subspan(*j);
      s.session->eval(fresh);
      s.held = target;
      reply.fed_tokens = static_cast<int32_t>(unfed.size() + fresh.size());
      return;
    }
  }
  if (c < s.held.size() || !pinned_ok) {
    if (pinned_ok && s.has_snapshot && s.snapshot_held <= c) {
      s.session->restore(s.snapshot);
      s.held.resize(s.snapshot_held);
    } else {
      reset_and_refeed(s, sys, target, c, reply);
      return;
    }
  }
  const std::span<const int32_t> fresh = std::span<const int32_t>(target).subspan(s.held.size());
  s.session->eval(fresh);
  s.held = target;
  reply.fed_tokens = static_cast<int32_t>(fresh.size());
}

void generate(Conversation::Impl& s, const ReplyLimits& limits, const TextCallback& on_text, Reply& reply) {
  const int32_t max = limits.max_tokens > 0 ? limits.max_tokens : s.opt.max_tokens;
  std::vector<std::string> stops = s.opt.stop;
  stops.insert(stops.end(), limits.stop.begin(), limits.stop.end());
  StopScanner scan(std::move(stops));
  Utf8StreamDecoder utf8;
  const Tokenizer& tok = s.model->tokenizer();
  auto emit = [&](const std::string& piece) {
    reply.text += piece;
    if (on_text && !piece.empty() && !on_text(piece)) reply.cancelled = true;
  };
  int32_t prev = -1;
  reply.finish = FinishReason::kLength;
  s.unfed.clear();
  const size_t reply_begin = s.held.size();
  // A reply with its own sampling (the server's per-request temperature, top_p, seed)
  // draws from a fresh Sampler; otherwise the session's sampler (and saved RNG state).
  std::optional<Sampler> own;
  if (limits.sampling) own.emplace(*limits.sampling);
  while (reply.completion_tokens < max) {
    const int32_t t = own ? own->sample(s.session->logits(), s.session->history()) : s.session->sample();
    if (s.format.is_end_of_turn(t)) {
      reply.finish = FinishReason::kStop;
      break;
    }
    ++reply.completion_tokens;
    emit(scan.push(utf8.push(tok.decode_piece(prev, t))));
    prev = t;
    if (scan.stopped() || reply.cancelled) {
      reply.finish = FinishReason::kStop;
      break;
    }
    if (reply.completion_tokens == max) {  // the last token is fed with the next turn, if ever
      s.unfed = {t};
      break;
    }
    s.session->eval(t);
    s.held.push_back(t);
  }
  s.reply_held = s.held.size() - reply_begin;
  if (!scan.stopped() && !reply.cancelled) {
    emit(scan.push(utf8.flush()));
    if (!scan.stopped()) emit(scan.flush());
  }
}

}  // namespace

Conversation::Conversation(std::shared_ptr<const Model> model, const Options& options) {
  if (!model) throw Error(ErrorKind::kInvalidArg, "Conversation: null model");
  if (options.max_tokens < 1) throw Error(ErrorKind::kInvalidArg, "max tokens must be >= 1");
  if (options.window_messages < 2) throw Error(ErrorKind::kInvalidArg, "the message window must be >= 2");
  if (options.keep_system) keep_system_policy(options.cache, 1);  // refuses unsuitable policies now
  impl_ = std::make_unique<Impl>(std::move(model), options);
}

Conversation::~Conversation() = default;

Reply Conversation::reply(const std::vector<Message>& messages, const ReplyLimits& limits, const TextCallback& on_text) {
  Impl& s = *impl_;
  if (messages.empty()) throw Error(ErrorKind::kInvalidArg, "the conversation has no messages");
  for (size_t i = 0; i < messages.size(); ++i) validate(messages[i], i);
  std::optional<Message> sys;
  std::span<const Message> rest(messages);
  if (messages[0].role == "system") {
    sys = messages[0];
    rest = rest.subspan(1);
  } else if (!s.opt.system.empty()) {
    sys = text_message("system", s.opt.system);
  }
  const Message* sysp = sys ? &*sys : nullptr;
  const std::span<const Message> w = rest.subspan(window_start(rest, static_cast<size_t>(s.opt.window_messages)));
  Reply reply;
  const auto t0 = Clock::now();
  const std::string rendered = s.format.text(sysp, w, true, limits.tools_json);
  if (rendered.empty()) throw Error(ErrorKind::kInvalidArg, s.format.origin() + ": the template rendered nothing");
  const std::vector<int32_t> target = s.format.encode(rendered);
  if (s.session && s.system != sys) {
    add_notice(reply, "the system message changed: new session");
    s.clear();
  }
  if (!s.session) s.start_session(sysp);
  const std::optional<size_t> d = dropped_messages(s.window, w);
  if (d && *d > 0) rebase(s, sysp, *d);
  sync(s, sysp, target, reply);
  reply.prompt_tokens = static_cast<int32_t>(target.size());
  s.prompt_fed += reply.fed_tokens;
  s.prompt_seconds += seconds_since(t0);
  s.has_snapshot = s.opt.checkpoint_max_bytes > 0 && s.session->cache_bytes() <= s.opt.checkpoint_max_bytes;
  if (s.has_snapshot) {
    s.snapshot = s.session->snapshot();
    s.snapshot_held = s.held.size();
  }
  s.window.assign(w.begin(), w.end());
  const auto t1 = Clock::now();
  generate(s, limits, on_text, reply);
  s.last_reply = text_message("assistant", reply.text);
  s.generated += reply.completion_tokens;
  s.gen_seconds += seconds_since(t1);
  ++s.turns;
  return reply;
}

}  // namespace sinkstream::conversation
