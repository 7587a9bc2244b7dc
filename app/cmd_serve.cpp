// sinkstream serve: an OpenAI-compatible HTTP server with endless, durable
// sessions and continuous batching (src/server/, docs/serving.md).
#include <filesystem>
#include <memory>
#include <string>

#include "device_args.hpp"
#include "commands.hpp"
#include "default_cache.hpp"
#include "model_args.hpp"
#include "server/serve.hpp"
#include "sinkstream/cache_policy.hpp"
#include "sinkstream/error.hpp"
#include "sinkstream/model.hpp"

namespace sinkstream::cli {

namespace {

struct ServeArgs {
  std::string model;
  std::string model_id;
  std::string cache;
  std::string chat_template;
  std::string device = "cpu";
  server::ServeOptions o;
};

void add_serve_options(CLI::App* cmd, ServeArgs* a) {
  server::EngineOptions& e = a->o.engine;
  server::HttpOptions& h = a->o.http;
  cmd->add_option("-m,--model", a->model, kModelHelp)->required();
  cmd->add_option("--model-id", a->model_id, "Model name in /v1/models that requests must give (default: file stem)");
  cmd->add_option("--host", h.host, "Address to listen on (default 127.0.0.1: this machine only)");
  cmd->add_option("--port", h.port, "TCP port (0: any free port; the address is printed)")->check(CLI::Range(0, 65535));
  cmd->add_option("--api-key", h.api_key,
                  "Require 'Authorization: Bearer KEY' on every route but /health (401 otherwise)");
  cmd->add_option("--state-dir", e.state_dir,
                  "Save each named session here after every completed turn (atomic write + fsync + rename) and "
                  "restore them on start (default: sessions are kept in memory only)");
  cmd->add_option("-c,--cache", a->cache,
                  "Default KV cache policy of sessions and stateless requests (a request may choose its own for a "
                  "new session with \"cache\"): " + CachePolicy::help() + " (default sink:4:(trained context - 4))");
  cmd->add_flag("--keep-system", e.keep_system,
                "New sessions pin BOS + the system prompt as the cache's sink span (per session: \"keep_system\")");
  cmd->add_option("--chat-template", a->chat_template, "Jinja chat template file (default: the model's)");
  cmd->add_option("--max-sessions", e.max_sessions, "Named sessions held at once; a new one beyond: 429")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-active", e.max_active,
                  "Requests served at once (streams included); more: 429 (the queue is the batcher's)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--threads", e.batcher.threads, "Threads of the shared forward pass (0: all cores)")
      ->check(CLI::NonNegativeNumber);
  add_device_option(cmd, &a->device);
  cmd->add_option("--batch-rows", e.batcher.max_rows, "Most tokens per batched forward pass, all sessions together")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--prefill-chunk", e.batcher.prefill_chunk,
                  "Most prompt tokens of one request per pass (prompts interleave with other sessions' decoding)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-body", e.limits.max_body_bytes, "Largest request body in bytes (413 beyond)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-prompt-tokens", e.limits.max_prompt_tokens,
                  "Most tokens in a request's message texts (400 context_length_exceeded beyond)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-tokens", e.limits.max_tokens, "Largest max_tokens a request may ask for")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--default-max-tokens", e.limits.default_max_tokens, "max_tokens when a request gives none")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--request-timeout", e.request_timeout_s,
                  "Seconds after which a generation stops (finish_reason \"length\")")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--drain-timeout", a->o.drain_s, "Seconds SIGTERM waits for the requests in flight")
      ->check(CLI::NonNegativeNumber);
}

int run_serve(const ServeArgs& a) {
  if (!a.cache.empty()) (void)CachePolicy::parse(a.cache);  // fail before loading anything
  const auto model = Model::load(a.model);
  server::ServeOptions o = a.o;
  o.engine.cache = a.cache.empty() ? default_generate_cache(*model) : CachePolicy::parse(a.cache);
  o.engine.template_file = a.chat_template;
  o.engine.batcher.device = to_device(a.device);
  o.engine.model_id = a.model_id.empty() ? std::filesystem::path(a.model).stem().string() : a.model_id;
  if (o.engine.limits.default_max_tokens > o.engine.limits.max_tokens) {
    throw Error(ErrorKind::kInvalidArg, "--default-max-tokens is above --max-tokens");
  }
  return server::serve(model, o);
}

}  // namespace

Runner add_serve(CLI::App& app) {
  return add_command<ServeArgs>(app, "serve", "OpenAI-compatible HTTP server: endless durable sessions, continuous batching",
                                add_serve_options, run_serve);
}

}  // namespace sinkstream::cli
