#include "server/state_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "server/request.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::server {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

[[noreturn]] void io_error(const std::string& what, const std::string& path) {
  throw Error(ErrorKind::kIo, what + " " + path + ": " + std::strerror(errno));
}

void fsync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) io_error("cannot open", path);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) io_error("cannot fsync", path);
}

// write, fsync, rename, fsync of the folder.
void write_atomic(const std::string& dir, const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) io_error("cannot write", tmp);
    f << text;
    f.flush();
    if (!f) io_error("cannot write", tmp);
  }
  fsync_path(tmp, O_RDONLY);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) io_error("cannot rename to", path);
  fsync_path(dir, O_RDONLY | O_DIRECTORY);
}

}  // namespace

json message_to_json(const conversation::Message& m) {
  json j{{"role", m.role}, {"content", m.content}};
  if (m.reasoning_content) j["reasoning_content"] = *m.reasoning_content;
  if (!m.tool_calls.empty()) {
    json calls = json::array();
    for (const auto& c : m.tool_calls) {
      calls.push_back(json{{"id", c.id}, {"type", c.type}, {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
    }
    j["tool_calls"] = calls;
  }
  if (!m.tool_call_id.empty()) j["tool_call_id"] = m.tool_call_id;
  if (!m.name.empty()) j["name"] = m.name;
  return j;
}

StateStore::StateStore(std::string dir) : dir_(std::move(dir)) {
  if (dir_.empty()) return;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_)) throw Error(ErrorKind::kIo, "--state-dir " + dir_ + ": not a usable folder");
}

std::string StateStore::state_path(const std::string& id, int64_t generation) const {
  return dir_ + "/" + id + "." + std::to_string(generation) + ".state";
}

void StateStore::save(SessionMeta& meta, const conversation::Conversation& conv) const {
  if (!enabled()) return;
  const int64_t next = meta.generation + 1;
  const std::string state = state_path(meta.id, next);
  conv.save(state);
  // The state files themselves must be on disk before the .json names them.
  fsync_path(state, O_RDONLY);
  if (fs::exists(state + ".conv")) fsync_path(state + ".conv", O_RDONLY);
  json history = json::array();
  for (const auto& m : meta.history) history.push_back(message_to_json(m));
  const json j{{"id", meta.id},       {"generation", next}, {"cache", meta.cache}, {"keep_system", meta.keep_system},
               {"turns", meta.turns}, {"created", meta.created}, {"history", history}};
  write_atomic(dir_, dir_ + "/" + meta.id + ".json", j.dump());
  const int64_t old = meta.generation;
  meta.generation = next;
  if (old > 0) {
    std::error_code ec;
    fs::remove(state_path(meta.id, old), ec);
    fs::remove(state_path(meta.id, old) + ".conv", ec);
    fs::remove(state_path(meta.id, old) + ".rewind", ec);
  }
}

std::vector<SessionMeta> StateStore::list() const {
  std::vector<SessionMeta> out;
  if (!enabled()) return out;
  for (const auto& e : fs::directory_iterator(dir_)) {
    if (e.path().extension() != ".json") continue;
    try {
      std::ifstream f(e.path(), std::ios::binary);
      std::stringstream ss;
      ss << f.rdbuf();
      const json j = json::parse(ss.str());
      SessionMeta m;
      m.id = j.at("id").get<std::string>();
      if (!valid_session_id(m.id) || e.path().stem() != m.id) throw Error(ErrorKind::kFormat, "bad session id");
      m.generation = j.at("generation").get<int64_t>();
      m.cache = j.at("cache").get<std::string>();
      m.keep_system = j.at("keep_system").get<bool>();
      m.turns = j.at("turns").get<int64_t>();
      m.created = j.value("created", int64_t{0});
      m.history = conversation::messages_from_json(j.at("history").dump());
      out.push_back(std::move(m));
    } catch (const std::exception& ex) {
      std::cerr << "sinkstream serve: skipping " << e.path().string() << ": " << ex.what() << "\n";
    }
  }
  return out;
}

void StateStore::load(const SessionMeta& meta, conversation::Conversation& conv) const {
  conv.load(state_path(meta.id, meta.generation));
}

void StateStore::remove(const SessionMeta& meta) const {
  if (!enabled()) return;
  std::error_code ec;
  fs::remove(dir_ + "/" + meta.id + ".json", ec);
  if (meta.generation > 0) {
    fs::remove(state_path(meta.id, meta.generation), ec);
    fs::remove(state_path(meta.id, meta.generation) + ".conv", ec);
    fs::remove(state_path(meta.id, meta.generation) + ".rewind", ec);
  }
}

}  // namespace sinkstream::server
