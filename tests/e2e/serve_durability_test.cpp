// Durability of `sinkstream serve` sessions: SIGKILL in the middle of a streamed
// turn, restart on the same --state-dir, and the session continues from the
// state after its last completed turn. The oracle is a second server that never
// crashed: the same turns with the same seeds must give the same next tokens
// (reply text and token counts), and the same stream position.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/paths.hpp"
#include "support/server_process.hpp"

namespace sinkstream::test {
namespace {

using nlohmann::json;

std::vector<std::string> args_with_state(const std::string& dir) {
  std::vector<std::string> a = demo_serve_args();
  for (const std::string& s : {std::string("--state-dir"), dir, std::string("--model-id"), std::string("m"),
                               std::string("--cache"), std::string("sink:4:60")}) {
    a.push_back(s);
  }
  return a;
}

json turn_body(const json& messages, uint64_t seed, int max_tokens, bool stream) {
  return json{{"model", "m"},          {"messages", messages},     {"session_id", "durable"},
              {"seed", seed},          {"temperature", 0.9},       {"max_tokens", max_tokens},
              {"stream", stream}};
}

json post_json(int port, const json& body) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(300, 0);
  auto r = cli.Post("/v1/chat/completions", body.dump(), "application/json");
  EXPECT_TRUE(r);
  if (!r) return json();
  EXPECT_EQ(r->status, 200) << r->body;
  return json::parse(r->body);
}

json get_session(int port) {
  httplib::Client cli("127.0.0.1", port);
  auto r = cli.Get("/v1/sessions/durable");
  EXPECT_TRUE(r);
  if (!r) return json();
  EXPECT_EQ(r->status, 200) << r->body;
  return json::parse(r->body);
}

const json kTurn1 = json::array({json{{"role", "system"}, {"content", "You tell short stories."}},
                                 json{{"role", "user"}, {"content", "Once upon a time there was a cat."}}});

TEST(ServeDurability, SigkillMidStreamLosesOnlyTheTurnInFlight) {
  TempDir tmp;
  const std::string crashed_dir = tmp.file("crashed"), oracle_dir = tmp.file("oracle");
  json turn2;  // the second turn's messages (turn 1, its reply, a new user message)
  std::string reply1;
  {
    ServerProcess server(args_with_state(crashed_dir));
    const json r1 = post_json(server.port(), turn_body(kTurn1, 11, 12, false));
    reply1 = r1["choices"][0]["message"]["content"];
    turn2 = kTurn1;
    turn2.push_back(json{{"role", "assistant"}, {"content", reply1}});
    turn2.push_back(json{{"role", "user"}, {"content", "And then the dog came."}});
    // Turn 2 streams; the server is killed once text arrives.
    std::atomic<bool> got_text{false};
    std::thread streamer([&] {
      stream_post(server.port(), "/v1/chat/completions", turn_body(turn2, 22, 4000, true).dump(),
                  [&](const char* data, size_t n) {
                    if (std::string(data, n).find("\"content\"") != std::string::npos) got_text = true;
                    return true;
                  });
    });
    for (int i = 0; i < 600 && !got_text; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(got_text) << server.stderr_text();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // well into the turn
    server.kill9();
    streamer.join();
  }
  // Restarted: the session is back with exactly one turn.
  ServerProcess restarted(args_with_state(crashed_dir));
  const json after_restart = get_session(restarted.port());
  EXPECT_EQ(after_restart["turns"], 1) << after_restart.dump();
  // The oracle: the same first turn on a server that never crashed.
  ServerProcess oracle(args_with_state(oracle_dir));
  const json o1 = post_json(oracle.port(), turn_body(kTurn1, 11, 12, false));
  ASSERT_EQ(o1["choices"][0]["message"]["content"], reply1) << "the first turn is not reproducible with its seed";
  const json oracle_state = get_session(oracle.port());
  EXPECT_EQ(after_restart["position"], oracle_state["position"]);
  EXPECT_EQ(after_restart["cache_tokens"], oracle_state["cache_tokens"]);
  // The next turn, same seed: the same tokens.
  const json got = post_json(restarted.port(), turn_body(turn2, 22, 24, false));
  const json want = post_json(oracle.port(), turn_body(turn2, 22, 24, false));
  EXPECT_EQ(got["choices"][0]["message"]["content"], want["choices"][0]["message"]["content"]);
  EXPECT_EQ(got["usage"], want["usage"]);
  EXPECT_EQ(get_session(restarted.port())["position"], get_session(oracle.port())["position"]);
  EXPECT_EQ(restarted.terminate(), 0) << restarted.stderr_text();
  // SIGTERM saved nothing new and lost nothing: a third start sees two turns.
  ServerProcess third(args_with_state(crashed_dir));
  EXPECT_EQ(get_session(third.port())["turns"], 2);
}

}  // namespace
}  // namespace sinkstream::test
