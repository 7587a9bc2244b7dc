// sinkstream chat: talk to a model with its chat template. Interactive with line
// editing and history (libedit) on a terminal; one user message per line (or a
// JSON conversation with --json) when stdin is a pipe or file.
#include <editline/readline.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "device_args.hpp"
#include "chat_loop.hpp"
#include "commands.hpp"
#include "default_cache.hpp"
#include "model_args.hpp"
#include "sampling_args.hpp"
#include "sinkstream/conversation.hpp"
#include "sinkstream/error.hpp"
#include "sinkstream/model.hpp"

namespace sinkstream::cli {

namespace {

struct ChatArgs {
  std::string model;
  std::string system, system_file;
  std::string cache;
  bool keep_system = false;
  SamplingArgs sampling;
  std::string chat_template, template_name;
  bool json = false;
  int max_tokens = 512;
  std::vector<std::string> stop;
  int window = 32;
  int threads = 0;
  std::string device = "cpu";
  int batch = 64;
  std::string kv_type = "f32";
};

void add_chat_options(CLI::App* cmd, ChatArgs* a) {
  cmd->add_option("-m,--model", a->model, kModelHelp)->required();
  auto* sys = cmd->add_option("--system", a->system, "System prompt");
  cmd->add_option("--system-file", a->system_file, "Read the system prompt from a file")->excludes(sys);
  cmd->add_option("-c,--cache", a->cache,
                  "KV cache policy: " + CachePolicy::help() + " (default: sink:4:W with W = trained context - 4)");
  cmd->add_flag("--keep-system", a->keep_system,
                "Never evict the system prompt: the cache becomes sink:S:W with S = the tokens of BOS + the rendered "
                "system prompt (W from --cache: sink:_:W or window:W)");
  add_sampling_options(cmd, &a->sampling);
  cmd->add_option("--chat-template", a->chat_template, "Jinja chat template file (overrides the model's)");
  cmd->add_option("--template-name", a->template_name, "A named template variant (tokenizer.chat_template.NAME)");
  cmd->add_flag("--json", a->json,
                "Read one JSON conversation from stdin (a list of {role, content, ...} or {\"messages\": [...]}) and "
                "print the reply as a JSON object");
  cmd->add_option("-n,--max-tokens", a->max_tokens, "Most tokens per reply")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--stop", a->stop, "Stop string (not printed); repeatable");
  cmd->add_option("--window", a->window, "Most recent messages rendered per turn besides the system message")
      ->capture_default_str()->check(CLI::Range(2, 1 << 20));
  cmd->add_option("-t,--threads", a->threads, "Worker threads (default: number of cores)")->check(CLI::NonNegativeNumber);
  add_device_option(cmd, &a->device);
  cmd->add_option("-b,--batch", a->batch, "Prompt tokens evaluated together in one chunk")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--kv-type", a->kv_type, "KV cache storage type: f32 or f16")->capture_default_str()->check(CLI::IsMember({"f32", "f16"}));
}

std::string read_all(std::istream& in) {
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(ErrorKind::kIo, "cannot read " + path);
  return read_all(f);
}

conversation::Options chat_options(const ChatArgs& a, const Model& model) {
  conversation::Options o;
  o.system = a.system_file.empty() ? a.system : read_file(a.system_file);
  if (!a.system_file.empty() && !o.system.empty() && o.system.back() == '\n') o.system.pop_back();  // the file's last newline
  o.keep_system = a.keep_system;
  o.cache = a.cache.empty() ? default_generate_cache(model) : CachePolicy::parse(a.cache);
  o.sampling = sampler_params(a.sampling, chosen_seed(a.sampling));
  o.stop = a.stop;
  o.max_tokens = a.max_tokens;
  o.threads = a.threads;
  o.device = to_device(a.device);
  o.batch = a.batch;
  o.kv_f16 = a.kv_type == "f16";
  o.template_file = a.chat_template;
  o.template_name = a.template_name;
  o.window_messages = a.window;
  return o;
}

int run_json(conversation::Conversation& conv) {
  const std::vector<conversation::Message> messages = conversation::messages_from_json(read_all(std::cin));
  const conversation::Reply r = conv.reply(messages);
  nlohmann::ordered_json j = {{"role", "assistant"},
                              {"content", r.text},
                              {"finish_reason", std::string(conversation::to_string(r.finish))},
                              {"usage",
                               {{"prompt_tokens", r.prompt_tokens},
                                {"completion_tokens", r.completion_tokens},
                                {"fed_tokens", r.fed_tokens}}}};
  if (!r.notice.empty()) j["notice"] = r.notice;
  std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return 0;
}

int run_lines(ChatLoop& loop) {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!loop.handle(line)) break;
  }
  return 0;
}

int run_interactive(ChatLoop& loop, const conversation::Conversation& conv) {
  std::fprintf(stderr, "sinkstream chat (template: %s). /help for commands, Ctrl-D to leave.\n",
               conv.template_origin().c_str());
  for (;;) {
    char* raw = readline("> ");
    if (raw == nullptr) break;  // Ctrl-D
    const std::string line(raw);
    std::free(raw);
    if (!line.empty()) add_history(line.c_str());
    if (!loop.handle(line)) break;
  }
  std::fputc('\n', stderr);
  return 0;
}

int run_chat(const ChatArgs& a) {
  if (!a.cache.empty()) CachePolicy::parse(a.cache);  // fail before loading anything
  auto model = Model::load(a.model);
  conversation::Conversation conv(model, chat_options(a, *model));
  if (a.json) return run_json(conv);
  const bool interactive = isatty(STDIN_FILENO) != 0;
  ChatLoop loop(conv, {}, static_cast<size_t>(a.window), !interactive);
  return interactive ? run_interactive(loop, conv) : run_lines(loop);
}

}  // namespace

Runner add_chat(CLI::App& app) {
  return add_command<ChatArgs>(app, "chat",
                               "Chat with a model through its chat template; replies stream as they are decoded. "
                               "Interactive on a terminal; one message per line (or --json) from a pipe",
                               add_chat_options, run_chat);
}

}  // namespace sinkstream::cli
