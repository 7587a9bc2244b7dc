// `sinkstream chat` from a pipe: one message per line, /commands, --json, the
// missing-template error, and /save + /load continuing a chat exactly as an
// uninterrupted run does.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "sinkstream/conversation.hpp"
#include "sinkstream/model.hpp"
#include "support/paths.hpp"

namespace sinkstream {
namespace {

std::string model_path() { return test::source_dir() + "/models/sinkstream-chat.gguf"; }

std::string chat_cmd(const std::string& input_file, const std::string& flags = "") {
  return test::binary() + " chat -m " + model_path() + " --temp 0 -n 5 -t 1 --cache sink:4:60 --keep-system " +
         "--system 'You are Juniper.' " + flags + " < " + input_file;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(ChatCli, PipedLinesMatchTheLibraryAndStats) {
  test::TempDir dir;
  test::write_file(dir.file("in.txt"), "Hello!\nWhat does \"kernel\" mean?\n/stats\n");
  const test::CommandResult r = test::run_command(chat_cmd(dir.file("in.txt")));
  ASSERT_EQ(r.status, 0) << r.err;
  // The same turns through the library.
  conversation::Options o;
  o.system = "You are Juniper.";
  o.keep_system = true;
  o.cache = CachePolicy::parse("sink:4:60");
  o.sampling.temperature = 0;
  o.max_tokens = 5;
  o.threads = 1;
  conversation::Conversation conv(Model::load(model_path()), o);
  std::vector<conversation::Message> h = {conversation::text_message("user", "Hello!")};
  const std::string r1 = conv.reply(h).text;
  h.push_back(conversation::text_message("assistant", r1));
  h.push_back(conversation::text_message("user", "What does \"kernel\" mean?"));
  const std::string r2 = conv.reply(h).text;
  // Each reply (which may hold newlines of its own) ends with a newline; /stats prints one line.
  const std::string replies = r1 + "\n" + r2 + "\n";
  ASSERT_EQ(r.out.substr(0, replies.size()), replies);
  const std::string stats = r.out.substr(replies.size());
  EXPECT_EQ(stats.rfind("position " + std::to_string(conv.stats().position) + ", cache ", 0), 0u) << stats;
  EXPECT_NE(stats.find("cache sink:" + std::to_string(conv.stats().pinned_tokens) + ":60"), std::string::npos) << stats;
  EXPECT_EQ(lines_of(stats).size(), 1u) << stats;
}

TEST(ChatCli, SaveAndLoadContinueLikeOneRun) {
  test::TempDir dir;
  const std::string state = dir.file("chat.state");
  test::write_file(dir.file("all.txt"), "Hello!\nTell me about git.\nAnd Python?\n");
  test::write_file(dir.file("first.txt"), "Hello!\nTell me about git.\n/save " + state + "\n");
  test::write_file(dir.file("second.txt"), "/load " + state + "\nAnd Python?\n");
  const test::CommandResult all = test::run_command(chat_cmd(dir.file("all.txt")));
  const test::CommandResult first = test::run_command(chat_cmd(dir.file("first.txt")));
  const test::CommandResult second = test::run_command(chat_cmd(dir.file("second.txt")));
  ASSERT_EQ(all.status, 0) << all.err;
  ASSERT_EQ(first.status, 0) << first.err;
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_EQ(first.out + second.out, all.out);
  EXPECT_EQ(second.err.find("note:"), std::string::npos) << second.err;  // no fallback: it fed only the new turn
}

TEST(ChatCli, JsonConversation) {
  test::TempDir dir;
  test::write_file(dir.file("conv.json"), R"([{"role": "user", "content": "Hello!"}])");
  const test::CommandResult r = test::run_command(chat_cmd(dir.file("conv.json"), "--json"));
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["role"], "assistant");
  EXPECT_TRUE(j["finish_reason"] == "length" || j["finish_reason"] == "stop");
  EXPECT_LE(j["usage"]["completion_tokens"].get<int>(), 5);
  EXPECT_GT(j["usage"]["prompt_tokens"].get<int>(), 5);
  test::write_file(dir.file("bad.json"), R"([{"role": "wizard", "content": "Hello!"}])");
  const test::CommandResult bad = test::run_command(chat_cmd(dir.file("bad.json"), "--json"));
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(bad.err, "sinkstream: error: message 0: unknown role \"wizard\" (expected system, user, assistant or tool)\n");
}

TEST(ChatCli, ModelWithoutTemplateSaysHowToGiveOne) {
  test::TempDir dir;
  test::write_file(dir.file("in.txt"), "Hello\n");
  const test::CommandResult r = test::run_command(test::binary() + " chat -m " + test::source_dir() +
                                                  "/models/sinkstream-default.gguf < " + dir.file("in.txt"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--chat-template FILE"), std::string::npos) << r.err;
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
}

}  // namespace
}  // namespace sinkstream
