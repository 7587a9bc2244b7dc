// `sinkstream serve` against malformed and hostile requests: each is answered
// with the expected 4xx and an OpenAI error object ({"error": {"message",
// "type", "param", "code"}}), and the server stays up (under the sanitize
// preset this is the ASan run: a memory error would kill the server).
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/server_process.hpp"

namespace sinkstream::test {
namespace {

using nlohmann::json;

constexpr const char* kKey = "hostile-test-key";

struct Case {
  const char* name;
  std::string method;
  std::string path;
  std::string body;
  int status;
  const char* param;  // expected error.param (nullptr: not checked)
  httplib::Headers headers = {{"Authorization", std::string("Bearer ") + kKey}};
};

std::string chat(const std::string& extra, const std::string& messages = R"([{"role":"user","content":"Hi"}])") {
  return R"({"model":"sinkstream-default","messages":)" + messages + extra + "}";
}

std::vector<Case> cases() {
  const std::string user = R"([{"role":"user","content":"Hi"}])";
  return {
      {"invalid JSON", "POST", "/v1/chat/completions", "{", 400, nullptr},
      {"empty body", "POST", "/v1/chat/completions", "", 400, nullptr},
      {"array body", "POST", "/v1/chat/completions", "[]", 400, nullptr},
      {"string body", "POST", "/v1/chat/completions", "\"hi\"", 400, nullptr},
      {"NUL bytes", "POST", "/v1/chat/completions", std::string("{\"model\"\0:1}", 12), 400, nullptr},
      {"missing model", "POST", "/v1/chat/completions", R"({"messages":[{"role":"user","content":"Hi"}]})", 400,
       "model"},
      {"model not a string", "POST", "/v1/chat/completions", R"({"model":7,"messages":[]})", 400, "model"},
      {"unknown model", "POST", "/v1/chat/completions",
       R"({"model":"gpt-9","messages":[{"role":"user","content":"Hi"}]})", 404, "model"},
      {"missing messages", "POST", "/v1/chat/completions", R"({"model":"sinkstream-default"})", 400, "messages"},
      {"messages not a list", "POST", "/v1/chat/completions", chat("", "{}"), 400, "messages"},
      {"no messages", "POST", "/v1/chat/completions", chat("", "[]"), 400, "messages"},
      {"message not an object", "POST", "/v1/chat/completions", chat("", "[1]"), 400, "messages"},
      {"unknown role", "POST", "/v1/chat/completions", chat("", R"([{"role":"wizard","content":"x"}])"), 400,
       "messages"},
      {"missing role", "POST", "/v1/chat/completions", chat("", R"([{"content":"x"}])"), 400, "messages"},
      {"content a number", "POST", "/v1/chat/completions", chat("", R"([{"role":"user","content":5}])"), 400,
       "messages"},
      {"invalid UTF-8 byte", "POST", "/v1/chat/completions", chat("", "[{\"role\":\"user\",\"content\":\"a\xff\"}]"),
       400, nullptr},
      {"overlong UTF-8", "POST", "/v1/chat/completions", chat("", "[{\"role\":\"user\",\"content\":\"\xc0\xaf\"}]"),
       400, nullptr},
      {"lone surrogate escape", "POST", "/v1/chat/completions",
       chat("", R"([{"role":"user","content":"\ud800"}])"), 400, nullptr},
      {"max_tokens 0", "POST", "/v1/chat/completions", chat(R"(,"max_tokens":0)"), 400, "max_tokens"},
      {"max_tokens huge", "POST", "/v1/chat/completions", chat(R"(,"max_tokens":1000000000000)"), 400, "max_tokens"},
      {"max_tokens a string", "POST", "/v1/chat/completions", chat(R"(,"max_tokens":"9")"), 400, "max_tokens"},
      {"max_completion_tokens negative", "POST", "/v1/chat/completions", chat(R"(,"max_completion_tokens":-3)"), 400,
       "max_completion_tokens"},
      {"temperature negative", "POST", "/v1/chat/completions", chat(R"(,"temperature":-1)"), 400, "temperature"},
      {"temperature a word", "POST", "/v1/chat/completions", chat(R"(,"temperature":"hot")"), 400, "temperature"},
      {"top_p 0", "POST", "/v1/chat/completions", chat(R"(,"top_p":0)"), 400, "top_p"},
      {"n 2", "POST", "/v1/chat/completions", chat(R"(,"n":2)"), 400, "n"},
      {"five stops", "POST", "/v1/chat/completions", chat(R"(,"stop":["a","b","c","d","e"])"), 400, "stop"},
      {"stop a number", "POST", "/v1/chat/completions", chat(R"(,"stop":3)"), 400, "stop"},
      {"empty stop", "POST", "/v1/chat/completions", chat(R"(,"stop":[""])"), 400, "stop"},
      {"stream a string", "POST", "/v1/chat/completions", chat(R"(,"stream":"yes")"), 400, "stream"},
      {"stream_options without stream", "POST", "/v1/chat/completions",
       chat(R"(,"stream_options":{"include_usage":true})"), 400, "stream_options"},
      {"seed a string", "POST", "/v1/chat/completions", chat(R"(,"seed":"x")"), 400, "seed"},
      {"session id with a slash", "POST", "/v1/chat/completions", chat(R"(,"session_id":"../etc/passwd")"), 400,
       "session_id"},
      {"session id too long", "POST", "/v1/chat/completions", chat(",\"session_id\":\"" + std::string(100, 'a') + "\""),
       400, "session_id"},
      {"bad cache policy", "POST", "/v1/chat/completions", chat(R"(,"session_id":"c1","cache":"bogus:1")"), 400,
       "cache"},
      {"deep nesting", "POST", "/v1/chat/completions", std::string(100000, '[') + std::string(100000, ']'), 400,
       nullptr},
      {"body over the limit", "POST", "/v1/chat/completions",
       chat("", "[{\"role\":\"user\",\"content\":\"" + std::string(300000, 'a') + "\"}]"), 413, nullptr},
      {"prompt over the token limit", "POST", "/v1/chat/completions",
       chat("", "[{\"role\":\"user\",\"content\":\"" + std::string(20000, 'a') + " b\"}]"), 400, "messages"},
      {"completion prompt a number", "POST", "/v1/completions", R"({"model":"sinkstream-default","prompt":5})", 400,
       "prompt"},
      {"completion echo", "POST", "/v1/completions",
       R"({"model":"sinkstream-default","prompt":"a","echo":true})", 400, "echo"},
      {"unknown route", "GET", "/v1/engines", "", 404, nullptr},
      {"unknown session", "GET", "/v1/sessions/nope", "", 404, nullptr},
      {"delete unknown session", "DELETE", "/v1/sessions/nope", "", 404, nullptr},
      {"no API key", "GET", "/v1/models", "", 401, nullptr, {}},
      {"wrong API key", "GET", "/v1/models", "", 401, nullptr, {{"Authorization", "Bearer nope"}}},
      {"API key without Bearer", "POST", "/v1/chat/completions", chat(""), 401, nullptr,
       {{"Authorization", kKey}}},
  };
}

TEST(ServeHostile, EveryBadRequestGets4xxAndTheServerStaysUp) {
  std::vector<std::string> args = demo_serve_args();
  for (const char* a : {"--api-key", kKey, "--max-body", "200000", "--max-prompt-tokens", "2000", "--model-id",
                        "sinkstream-default"}) {
    args.push_back(a);
  }
  ServerProcess server(args);
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(120, 0);
  const auto all = cases();
  ASSERT_GE(all.size(), 30u);
  for (const Case& c : all) {
    httplib::Result r = c.method == "GET"      ? cli.Get(c.path.c_str(), c.headers)
                        : c.method == "DELETE" ? cli.Delete(c.path.c_str(), c.headers)
                                               : cli.Post(c.path.c_str(), c.headers, c.body, "application/json");
    ASSERT_TRUE(r) << c.name << ": no response (" << httplib::to_string(r.error()) << "); server stderr:\n"
                   << server.stderr_text();
    EXPECT_EQ(r->status, c.status) << c.name << ": " << r->body;
    const json j = json::parse(r->body, nullptr, false);
    ASSERT_TRUE(j.is_object() && j.contains("error")) << c.name << ": not an OpenAI error object: " << r->body;
    const json& e = j["error"];
    EXPECT_TRUE(e["message"].is_string() && !e["message"].get<std::string>().empty()) << c.name;
    EXPECT_TRUE(e["type"].is_string()) << c.name;
    EXPECT_TRUE(e.contains("param") && e.contains("code")) << c.name;
    if (c.param != nullptr) {
      EXPECT_EQ(e["param"], c.param) << c.name << ": " << r->body;
    }
  }
  // Still serving: /health needs no key, a good request works.
  auto health = cli.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto ok = cli.Post("/v1/chat/completions", {{"Authorization", std::string("Bearer ") + kKey}},
                     chat(R"(,"max_tokens":3)"), "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_TRUE(server.running()) << server.stderr_text();
  EXPECT_EQ(server.terminate(), 0) << server.stderr_text();
}

// A streaming request held open in a thread until hang_up().
class HeldStream {
 public:
  HeldStream(int port, std::string body) {
    thread_ = std::thread([this, port, body] {
      stream_post(port, "/v1/chat/completions", body, [this](const char*, size_t) {
        std::unique_lock<std::mutex> lock(mu_);
        streaming_ = true;
        cv_.notify_all();
        return !hang_up_;
      });
    });
  }
  ~HeldStream() { hang_up(); }
  bool wait_streaming() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(60), [&] { return streaming_; });
  }
  void hang_up() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      hang_up_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool streaming_ = false, hang_up_ = false;
  std::thread thread_;
};

std::string request(const std::string& session, int max_tokens, bool stream) {
  std::string b = R"({"model":"m","messages":[{"role":"user","content":"Tell me a long story."}],"max_tokens":)" +
                  std::to_string(max_tokens) + (stream ? R"(,"stream":true)" : "");
  if (!session.empty()) b += R"(,"session_id":")" + session + "\"";
  return b + "}";
}

// Admission limits: a session already answering (409), too many requests at once
// (429), too many sessions (429); a client that hangs up mid-stream frees its slot.
TEST(ServeHostile, LimitsAnswer409And429AndAHangUpFreesTheSlot) {
  std::vector<std::string> args = demo_serve_args();
  for (const char* a : {"--max-active", "2", "--max-sessions", "2", "--model-id", "m"}) args.push_back(a);
  ServerProcess server(args);
  httplib::Client cli("127.0.0.1", server.port());
  auto post = [&](const std::string& body) {
    auto r = cli.Post("/v1/chat/completions", body, "application/json");
    EXPECT_TRUE(r);
    return r ? r->status : 0;
  };
  auto first = std::make_unique<HeldStream>(server.port(), request("s1", 4000, true));
  ASSERT_TRUE(first->wait_streaming());
  EXPECT_EQ(post(request("s1", 2, false)), 409) << "a second request on a session that is answering";
  auto second = std::make_unique<HeldStream>(server.port(), request("", 4000, true));
  ASSERT_TRUE(second->wait_streaming());
  EXPECT_EQ(post(request("", 2, false)), 429) << "a third request while two are served (--max-active 2)";
  first->hang_up();
  second->hang_up();
  // The slots are freed as soon as the server notices (its next write fails).
  int status = 0;
  for (int i = 0; i < 200 && status != 200; ++i) {
    status = post(request("s2", 2, false));
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status, 200) << "the hung-up streams still hold their slots";
  auto third = cli.Post("/v1/chat/completions", request("s3", 2, false), "application/json");
  ASSERT_TRUE(third);
  EXPECT_EQ(third->status, 429) << third->body;
  EXPECT_NE(third->body.find("too_many_sessions"), std::string::npos) << third->body;
  EXPECT_EQ(server.terminate(), 0) << server.stderr_text();
}

}  // namespace
}  // namespace sinkstream::test
