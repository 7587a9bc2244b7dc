// sinkstream template: render a chat template for a conversation and print the text
// exactly (no newline added) — for debugging templates and for tests.
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "model_args.hpp"
#include "sinkstream/chat_template.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::cli {

namespace {

using nlohmann::ordered_json;

struct TemplateArgs {
  std::string model;
  std::string template_file;
  std::string template_name;
  std::string messages;
  std::string tools;
  bool add_generation_prompt = false;
  std::string bos_token;
  std::string eos_token;
  std::vector<std::string> vars;
  std::string now;
};

ordered_json read_json(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(ErrorKind::kIo, "cannot read " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  try {
    return ordered_json::parse(ss.str());
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::kFormat, path + ": invalid JSON: " + e.what());
  }
}

// --var NAME=JSON
void add_var(ordered_json& ctx, const std::string& spec) {
  const size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) throw Error(ErrorKind::kInvalidArg, "--var wants NAME=JSON, got '" + spec + "'");
  try {
    ctx[spec.substr(0, eq)] = ordered_json::parse(spec.substr(eq + 1));
  } catch (const nlohmann::json::exception&) {
    throw Error(ErrorKind::kInvalidArg, "--var " + spec.substr(0, eq) + ": the value is not JSON (quote strings: NAME='\"text\"')");
  }
}

// --now YYYY-MM-DD[THH:MM:SS]: the time strftime_now() formats.
std::tm parse_now(const std::string& text) {
  std::tm t{};
  std::istringstream in(text);
  in >> std::get_time(&t, text.size() > 10 ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d");
  if (in.fail()) throw Error(ErrorKind::kInvalidArg, "--now wants YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS, got '" + text + "'");
  const std::time_t epoch = timegm(&t);
  gmtime_r(&epoch, &t);
  return t;
}

ordered_json build_context(const TemplateArgs& a, const chat::TemplateSource& src) {
  ordered_json conv = read_json(a.messages);
  ordered_json ctx = ordered_json::object();
  if (conv.is_array()) {
    ctx["messages"] = conv;
  } else if (conv.is_object() && conv.contains("messages")) {
    ctx = conv;
  } else {
    throw Error(ErrorKind::kFormat, a.messages + ": expected a list of messages or an object with \"messages\"");
  }
  if (!a.tools.empty()) ctx["tools"] = read_json(a.tools);
  ctx["add_generation_prompt"] = a.add_generation_prompt;
  ctx["bos_token"] = a.bos_token.empty() ? src.bos_token : a.bos_token;
  ctx["eos_token"] = a.eos_token.empty() ? src.eos_token : a.eos_token;
  for (const std::string& v : a.vars) add_var(ctx, v);
  return ctx;
}

int run_template(const TemplateArgs& a) {
  chat::TemplateQuery q;
  q.model = a.model;
  q.template_file = a.template_file;
  q.name = a.template_name;
  const chat::TemplateSource src = chat::find_template(q);
  chat::RenderOptions opt;
  if (!a.now.empty()) opt.now = parse_now(a.now);
  const ordered_json ctx = build_context(a, src);
  const std::string text = chat::Template(src.text, opt).render(ctx);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace

Runner add_template(CLI::App& app) {
  auto args = std::make_shared<TemplateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "template", "Render the model's chat template (or --chat-template FILE) for a conversation; print the text exactly");
  cmd->add_option("-m,--model", args->model, kModelHelp);
  cmd->add_option("--chat-template", args->template_file,
                               "Jinja chat template file; overrides the model's (with -m too, the model still gives bos/eos)");
  cmd->add_option("--template-name", args->template_name,
                  "A named template variant (GGUF tokenizer.chat_template.NAME, or a name in tokenizer_config.json)");
  cmd->add_option("--messages", args->messages,
                  "Conversation JSON: a list of {role, content, ...} messages, or an object with \"messages\" (and other variables)")
      ->required();
  cmd->add_option("--tools", args->tools, "JSON list of tool (function) specifications, passed as `tools`");
  cmd->add_flag("--add-generation-prompt", args->add_generation_prompt, "End with the assistant-turn header");
  cmd->add_option("--bos-token", args->bos_token, "bos_token string (default: the model's)");
  cmd->add_option("--eos-token", args->eos_token, "eos_token string (default: the model's)");
  cmd->add_option("--var", args->vars, "Extra template variable NAME=JSON (e.g. enable_thinking=false); repeatable");
  cmd->add_option("--now", args->now, "The date strftime_now() formats, YYYY-MM-DD[THH:MM:SS] (default: now, local time)");
  return [args]() { return run_template(*args); };
}

}  // namespace sinkstream::cli
