// Where chat templates come from (GGUF metadata, Hugging Face folders, a file) and the
// `sinkstream template` command, whose output is checked against the jinja2 oracle.
#include <gtest/gtest.h>

#include "sinkstream/chat_template.hpp"
#include "io/gguf_writer.hpp"
#include "sinkstream/error.hpp"
#include "support/jinja_oracle.hpp"
#include "support/paths.hpp"

namespace sinkstream {
namespace {

std::string error_of(const chat::TemplateQuery& q) {
  try {
    (void)chat::find_template(q);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void write_gguf(const std::string& path, bool with_template) {
  io::gguf::Writer w;
  w.set_string("general.architecture", "llama");
  w.set_string_array("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "hi"});
  w.set_u32("tokenizer.ggml.bos_token_id", 1);
  w.set_u32("tokenizer.ggml.eos_token_id", 2);
  if (with_template) {
    w.set_string("tokenizer.chat_template", "{{ bos_token }}{{ messages[0].content }}");
    w.set_string("tokenizer.chat_template.tool_use", "TOOLS");
  }
  w.write(path);
}

TEST(ChatTemplateSource, GgufDefaultAndNamedTemplates) {
  test::TempDir dir;
  write_gguf(dir.file("m.gguf"), true);
  chat::TemplateSource s = chat::find_template({dir.file("m.gguf"), "", ""});
  EXPECT_EQ(s.text, "{{ bos_token }}{{ messages[0].content }}");
  EXPECT_EQ(s.bos_token, "<s>");
  EXPECT_EQ(s.eos_token, "</s>");
  EXPECT_EQ(chat::find_template({dir.file("m.gguf"), "", "tool_use"}).text, "TOOLS");
  EXPECT_NE(error_of({dir.file("m.gguf"), "", "rag"}).find("no chat template named 'rag'"), std::string::npos);
}

TEST(ChatTemplateSource, GgufWithoutTemplateSaysHowToGiveOne) {
  test::TempDir dir;
  write_gguf(dir.file("m.gguf"), false);
  EXPECT_NE(error_of({dir.file("m.gguf"), "", ""}).find("--chat-template FILE"), std::string::npos);
  test::write_file(dir.file("t.jinja"), "T");
  const chat::TemplateSource s = chat::find_template({dir.file("m.gguf"), dir.file("t.jinja"), ""});
  EXPECT_EQ(s.text, "T");
  EXPECT_EQ(s.bos_token, "<s>");  // the model still gives its tokens
}

TEST(ChatTemplateSource, HuggingFaceFolder) {
  test::TempDir dir;
  test::write_file(dir.file("tokenizer_config.json"),
                   R"({"bos_token": {"content": "<|begin|>", "lstrip": false}, "eos_token": "<|end|>",
                       "chat_template": [{"name": "default", "template": "D"}, {"name": "tool_use", "template": "U"}]})");
  chat::TemplateSource s = chat::find_template({dir.path().string(), "", ""});
  EXPECT_EQ(s.text, "D");
  EXPECT_EQ(s.bos_token, "<|begin|>");
  EXPECT_EQ(s.eos_token, "<|end|>");
  EXPECT_EQ(chat::find_template({dir.path().string(), "", "tool_use"}).text, "U");
  test::write_file(dir.file("chat_template.jinja"), "J");  // the separate file wins for the default template
  EXPECT_EQ(chat::find_template({dir.path().string(), "", ""}).text, "J");
}

TEST(ChatTemplateSource, FolderWithoutTemplateAndBadConfig) {
  test::TempDir dir;
  test::write_file(dir.file("tokenizer_config.json"), R"({"eos_token": "</s>"})");
  EXPECT_NE(error_of({dir.path().string(), "", ""}).find("--chat-template FILE"), std::string::npos);
  test::write_file(dir.file("tokenizer_config.json"), "{not json");
  EXPECT_NE(error_of({dir.path().string(), "", ""}).find("tokenizer_config.json"), std::string::npos);
  EXPECT_NE(error_of({"", "", ""}).find("--chat-template FILE"), std::string::npos);
  EXPECT_NE(error_of({"", dir.file("missing.jinja"), ""}).find("cannot read"), std::string::npos);
}

// `sinkstream template` prints exactly what jinja2 renders (no newline added), and a
// conversation the template rejects gives its message on one line, exit 1.
TEST(ChatTemplateCommand, PrintsTheRenderingExactly) {
  test::TempDir dir;
  const std::string tmpl_path = test::shared_dir() + "/chat-templates/Qwen-Qwen2.5-7B-Instruct.jinja";
  const auto convs = test::chat_fixture("conversations.json");
  const auto& conv = convs.at(10);  // tool_call_and_result
  ASSERT_EQ(conv.at("name"), "tool_call_and_result");
  test::write_file(dir.file("conv.json"), conv.at("messages").dump());
  test::write_file(dir.file("tools.json"), conv.at("tools").dump());
  nlohmann::ordered_json ctx = {{"messages", conv.at("messages")}, {"tools", conv.at("tools")},
                                {"add_generation_prompt", true}, {"bos_token", "B"}, {"eos_token", "E"},
                                {"extra", {{"k", 1}}}};
  const auto expected = test::run_jinja_oracle({{test::read_file(tmpl_path), ctx}});
  ASSERT_EQ(expected.size(), 1u);
  ASSERT_TRUE(expected[0].ok) << expected[0].error;
  const test::CommandResult r = test::run_command(
      test::binary() + " template --chat-template " + tmpl_path + " --messages " + dir.file("conv.json") + " --tools " +
      dir.file("tools.json") + " --add-generation-prompt --bos-token B --eos-token E --var 'extra={\"k\": 1}'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(test::first_difference(expected[0].text, r.out), "");
}

TEST(ChatTemplateCommand, UsesTheModelsTemplateAndTokens) {
  test::TempDir dir;
  write_gguf(dir.file("m.gguf"), true);
  test::write_file(dir.file("conv.json"), R"([{"role": "user", "content": "héllo"}])");
  const std::string base = test::binary() + " template -m " + dir.file("m.gguf") + " --messages " + dir.file("conv.json");
  const test::CommandResult r = test::run_command(base);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "<s>h\xC3\xA9llo");  // bos_token from the GGUF vocabulary; no newline added
  const test::CommandResult named = test::run_command(base + " --template-name tool_use");
  EXPECT_EQ(named.out, "TOOLS");
  write_gguf(dir.file("bare.gguf"), false);
  const test::CommandResult none = test::run_command(test::binary() + " template -m " + dir.file("bare.gguf") +
                                                     " --messages " + dir.file("conv.json"));
  EXPECT_EQ(none.status, 1);
  EXPECT_NE(none.err.find("--chat-template FILE"), std::string::npos) << none.err;
}

TEST(ChatTemplateCommand, RejectionIsOneLineExitOne) {
  test::TempDir dir;
  const std::string tmpl_path = test::shared_dir() + "/chat-templates/google-gemma-2-2b-it.jinja";
  test::write_file(dir.file("conv.json"), R"({"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]})");
  const test::CommandResult r =
      test::run_command(test::binary() + " template --chat-template " + tmpl_path + " --messages " + dir.file("conv.json"));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "sinkstream: error: chat template: System role not supported\n");
  const test::CommandResult bad_var = test::run_command(test::binary() + " template --chat-template " + tmpl_path +
                                                        " --messages " + dir.file("conv.json") + " --var x=notjson");
  EXPECT_EQ(bad_var.status, 1);
  EXPECT_NE(bad_var.err.find("--var x"), std::string::npos) << bad_var.err;
}

}  // namespace
}  // namespace sinkstream
