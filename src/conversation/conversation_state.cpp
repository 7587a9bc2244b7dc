// Stats, save/load and accessors of a Conversation.
//
// Saved chats: `path` is the session state file (Session::save_state) and
// `path`.conv a JSON file: {"format": "sinkstream-conversation", "version": 1,
// "policy", "system" (a message or null), "window" (messages), "reply" (the
// last assistant message or null), "held", "unfed" (the reply's last sampled
// token when max_tokens cut it, not yet fed; absent in older files) and
// "pinned" (token ids), "reply_held" (how many of the last tokens of "held" are
// the reply's fed tokens, or null; absent in older files: not known), "turns",
// "rewind_held"}. When the conversation has a
// rewind point (the session right after the last prompt was fed, before the
// reply), it is saved beside them as `path`.rewind (a state file) and
// "rewind_held" is its token count, so a loaded chat re-feeds only the last
// reply when its rendered text no longer matches what the session holds, as the
// live one does.
#include <cstdio>
#include <fstream>
#include <optional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "conversation/conversation_impl.hpp"
#include "conversation/messages.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::conversation {

namespace {

using nlohmann::ordered_json;

constexpr const char* kFormat = "sinkstream-conversation";

std::vector<int32_t> token_list(const ordered_json& j, const char* key, int32_t n_vocab, const std::string& path) {
  if (!j.contains(key) || !j[key].is_array()) throw Error(ErrorKind::kFormat, path + ": missing list \"" + key + "\"");
  std::vector<int32_t> out;
  for (const ordered_json& t : j[key]) {
    if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() >= n_vocab) {
      throw Error(ErrorKind::kFormat, path + ": \"" + key + "\" holds a value that is not a token id of this model");
    }
    out.push_back(t.get<int32_t>());
  }
  return out;
}

ordered_json read_conv(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(ErrorKind::kIo, "cannot read " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  ordered_json j = ordered_json::parse(ss.str(), nullptr, false);
  // Compared as JSON values: json::value() would throw type_error on a "format" that is not a string.
  if (j.is_discarded() || !j.is_object() || !j.contains("format") || j["format"] != kFormat || !j.contains("version") ||
      j["version"] != 1) {
    throw Error(ErrorKind::kFormat, path + ": not a sinkstream conversation file (version 1)");
  }
  return j;
}

}  // namespace

Stats Conversation::stats() const {
  const Impl& s = *impl_;
  Stats st;
  st.turns = s.turns;
  st.cache_policy = s.session ? s.policy.to_string() : s.opt.cache.to_string();
  st.pinned_tokens = static_cast<int32_t>(s.pinned.size());
  if (s.prompt_seconds > 0) st.prompt_tokens_per_s = static_cast<double>(s.prompt_fed) / s.prompt_seconds;
  if (s.gen_seconds > 0) st.gen_tokens_per_s = static_cast<double>(s.generated) / s.gen_seconds;
  if (!s.session) return st;
  st.position = s.session->position();
  st.cache_tokens = std::min<int64_t>(st.position, s.policy.live_keys(st.position));
  st.cache_capacity = s.cache_capacity();
  st.evicted = st.position - st.cache_tokens;
  st.cache_bytes = s.session->cache_bytes();
  return st;
}

void Conversation::save(const std::string& path) const {
  const Impl& s = *impl_;
  if (!s.session) throw Error(ErrorKind::kInvalidArg, "nothing to save: the conversation has not started");
  s.session->save_state(path);
  ordered_json j = {{"format", kFormat}, {"version", 1}, {"policy", s.policy.to_string()}};
  j["system"] = s.system ? to_template_json(*s.system) : ordered_json(nullptr);
  j["window"] = to_template_json(std::span<const Message>(s.window));
  j["reply"] = s.last_reply ? to_template_json(*s.last_reply) : ordered_json(nullptr);
  j["held"] = s.held;
  j["unfed"] = s.unfed;
  j["reply_held"] = s.reply_held ? ordered_json(*s.reply_held) : ordered_json(nullptr);
  j["pinned"] = s.pinned;
  j["turns"] = s.turns;
  const std::string rewind = path + ".rewind";
  if (s.has_snapshot) {
    Session::save_snapshot(s.snapshot, rewind);
    j["rewind_held"] = s.snapshot_held;
  } else {
    std::remove(rewind.c_str());  // a stale rewind point must not pair with this state
    j["rewind_held"] = nullptr;
  }
  const std::string conv = path + ".conv";
  std::ofstream f(conv, std::ios::binary | std::ios::trunc);
  f << j.dump(1) << "\n";
  if (!f) throw Error(ErrorKind::kIo, conv + ": cannot write");
}

void Conversation::load(const std::string& path) {
  Impl& s = *impl_;
  const std::string conv = path + ".conv";
  const ordered_json j = read_conv(conv);
  const int32_t n_vocab = s.model->config().n_vocab;
  std::vector<Message> window;
  if (!j.contains("window") || !j["window"].is_array()) throw Error(ErrorKind::kFormat, conv + ": missing \"window\"");
  for (size_t i = 0; i < j["window"].size(); ++i) window.push_back(message_from_json(j["window"][i], i));
  std::optional<Message> system;
  if (j.contains("system") && !j["system"].is_null()) system = message_from_json(j["system"], 0);
  std::optional<Message> reply;
  if (j.contains("reply") && !j["reply"].is_null()) reply = message_from_json(j["reply"], 0);
  std::vector<int32_t> held = token_list(j, "held", n_vocab, conv);
  std::vector<int32_t> pinned = token_list(j, "pinned", n_vocab, conv);
  std::vector<int32_t> unfed = j.contains("unfed") ? token_list(j, "unfed", n_vocab, conv) : std::vector<int32_t>{};
  if (unfed.size() > 1) throw Error(ErrorKind::kFormat, conv + ": \"unfed\" holds more than one token");
  std::optional<size_t> reply_held;
  if (j.contains("reply_held") && !j["reply_held"].is_null()) {
    if (!j["reply_held"].is_number_unsigned() || j["reply_held"].get<size_t>() > held.size()) {
      throw Error(ErrorKind::kFormat, conv + ": \"reply_held\" is not a count of the tokens in \"held\"");
    }
    reply_held = j["reply_held"].get<size_t>();
  }
  const CachePolicy policy = Session::state_policy(path);
  if (!j.contains("policy") || !j["policy"].is_string() || j["policy"].get<std::string>() != policy.to_string()) {
    throw Error(ErrorKind::kFormat, conv + ": its cache policy does not match " + path + " (" + policy.to_string() + ")");
  }
  SessionOptions so;
  so.cache = policy;
  so.threads = s.opt.threads;
  so.device = s.opt.device;
  so.batch = s.opt.batch;
  so.kv_f16 = s.opt.kv_f16;
  so.sampler = s.opt.sampling;
  so.batcher = s.opt.batcher;
  auto session = std::make_unique<Session>(s.model, so);
  std::optional<std::string> snapshot;  // the rewind point, checked by restoring it first
  size_t snapshot_held = 0;
  if (j.contains("rewind_held") && j["rewind_held"].is_number_unsigned()) {
    snapshot_held = j["rewind_held"].get<size_t>();
    if (snapshot_held > held.size()) throw Error(ErrorKind::kFormat, conv + ": \"rewind_held\" exceeds \"held\"");
    snapshot = Session::read_snapshot(path + ".rewind");
    session->restore(*snapshot);
  }
  session->load_state(path);
  s.clear();
  s.session = std::move(session);
  s.policy = policy;
  s.system = std::move(system);
  s.window = std::move(window);
  s.last_reply = std::move(reply);
  s.held = std::move(held);
  s.unfed = std::move(unfed);
  s.reply_held = reply_held;
  s.pinned = std::move(pinned);
  s.turns = j.contains("turns") && j["turns"].is_number_integer() ? j["turns"].get<int64_t>() : 0;
  s.has_snapshot = snapshot.has_value();
  if (snapshot) {
    s.snapshot = std::move(*snapshot);
    s.snapshot_held = snapshot_held;
  }
}

void Conversation::reset() {
  impl_->clear();
  impl_->turns = 0;
}

std::vector<Message> Conversation::window() const {
  std::vector<Message> out;
  if (impl_->system) out.push_back(*impl_->system);
  out.insert(out.end(), impl_->window.begin(), impl_->window.end());
  if (impl_->last_reply) out.push_back(*impl_->last_reply);
  return out;
}
std::span<const int32_t> Conversation::held_tokens() const { return impl_->held; }
const Session* Conversation::session() const { return impl_->session.get(); }
const std::string& Conversation::template_origin() const { return impl_->format.origin(); }

}  // namespace sinkstream::conversation
