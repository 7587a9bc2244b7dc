// sinkstream generate: print text as it is decoded; a one-line summary on stderr.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "device_args.hpp"
#include "commands.hpp"
#include "default_cache.hpp"
#include "model_args.hpp"
#include "sampling_args.hpp"
#include "sinkstream/model.hpp"
#include "sinkstream/session.hpp"

namespace sinkstream::cli {

namespace {
struct GenerateArgs {
  std::string model;
  std::string tokenizer;
  std::string prompt;
  int n = 256;
  SamplingArgs sampling;
  int threads = 0;
  std::string device = "cpu";
  int batch = 64;
  std::string cache;
  std::string state_in, state_out;
  std::string kv_type = "f32";
  bool ignore_eos = false;
  bool special = false;
};

void write_out(const std::string& s) {
  if (s.empty()) return;
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fflush(stdout);
}
void add_generate_options(CLI::App* cmd, GenerateArgs* a) {
  cmd->add_option("-m,--model", a->model, kModelHelp)->required();
  cmd->add_option("-z,--tokenizer", a->tokenizer,
                  "Tokenizer file for llama2.c models (default: tokenizer.bin or tok<vocab>.bin beside the model)");
  cmd->add_option("-p,--prompt", a->prompt, "Prompt text (default: empty, start from BOS alone)");
  cmd->add_option("-n,--n-predict", a->n, "Number of tokens to generate after the prompt")->capture_default_str()->check(CLI::NonNegativeNumber);
  add_sampling_options(cmd, &a->sampling);
  cmd->add_option("-t,--threads", a->threads, "Worker threads (default: number of cores)")->check(CLI::NonNegativeNumber);
  add_device_option(cmd, &a->device);
  cmd->add_option("-c,--cache", a->cache,
                  "KV cache policy: " + CachePolicy::help() +
                      " (default: sink:4:W with W = trained context - 4, so generation never stops for lack of room)");
  cmd->add_option("-b,--batch", a->batch, "Prompt tokens evaluated together in one chunk")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--kv-type", a->kv_type, "KV cache storage type: f32 or f16 (half the memory)")
      ->capture_default_str()->check(CLI::IsMember({"f32", "f16"}));
  cmd->add_option("--state-in", a->state_in,
                  "Continue a saved session (cache, position, sampler and RNG state); the prompt, if any, is appended "
                  "without BOS. The cache policy comes from the file unless --cache is given (then they must match)");
  cmd->add_option("--state-out", a->state_out, "Save the session after generating, to continue later with --state-in");
  cmd->add_flag("--special", a->special, "Parse special-token text in the prompt (e.g. <|im_start|>) as those tokens");
  cmd->add_flag("--ignore-eos", a->ignore_eos, "Keep generating past end-of-sequence tokens");
}

// Cache (--cache, else the saved session's, else sink:4:(trained context - 4)), chunking and sampler.
SessionOptions session_options(const GenerateArgs& a, const Model& model, uint64_t seed) {
  SessionOptions so;
  so.threads = a.threads;
  so.device = to_device(a.device);
  so.batch = a.batch;
  so.kv_f16 = a.kv_type == "f16";
  if (!a.cache.empty()) so.cache = CachePolicy::parse(a.cache);
  else if (!a.state_in.empty()) so.cache = Session::state_policy(a.state_in);
  else so.cache = default_generate_cache(model);
  so.sampler = sampler_params(a.sampling, seed);
  return so;
}

int run_generate(const GenerateArgs& a) {
  const uint64_t seed = chosen_seed(a.sampling);
  if (!a.cache.empty()) CachePolicy::parse(a.cache);  // fail before loading anything
  LoadOptions lo;
  lo.tokenizer_path = a.tokenizer;
  auto model = Model::load(a.model, lo);
  const Tokenizer& tok = model->tokenizer();
  const SessionOptions so = session_options(a, *model, seed);
  Session session(model, so);
  int32_t prev = -1;
  if (!a.state_in.empty()) {
    session.load_state(a.state_in);
    if (!session.history().empty()) prev = session.history().back();
  }

  // A fresh session starts with BOS; a continued one appends the prompt as is.
  const bool fresh = a.state_in.empty();
  const std::vector<int32_t> prompt = tok.encode(a.prompt, fresh, a.special);
  Utf8StreamDecoder out;
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  for (const int32_t id : prompt) {
    write_out(out.push(tok.decode_piece(prev, id)));
    prev = id;
  }
  session.eval(std::span<const int32_t>(prompt));
  const auto t1 = clock::now();
  int generated = 0;
  for (int i = 0; i < a.n; ++i) {
    const int32_t next = session.sample();
    if (!a.ignore_eos && (next == tok.eos_id() || next == tok.bos_id())) break;
    write_out(out.push(tok.decode_piece(prev, next)));
    prev = next;
    ++generated;
    session.eval(next);  // the saved state is "after the last printed token"
  }
  write_out(out.flush());
  write_out("\n");
  if (!a.state_out.empty()) session.save_state(a.state_out);
  const auto t2 = clock::now();
  const double prefill_s = std::chrono::duration<double>(t1 - t0).count();
  const double decode_s = std::chrono::duration<double>(t2 - t1).count();
  std::fprintf(stderr,
               "sinkstream: prompt %zu tokens in %.3f s, generated %d tokens in %.3f s (%.1f tokens/s), "
               "cache %s (%.1f KiB), seed %llu\n",
               prompt.size(), prefill_s, generated, decode_s, decode_s > 0 ? generated / decode_s : 0.0,
               so.cache.to_string().c_str(), static_cast<double>(session.cache_bytes()) / 1024.0,
               static_cast<unsigned long long>(seed));
  return 0;
}

}  // namespace

Runner add_generate(CLI::App& app) {
  return add_command<GenerateArgs>(app, "generate", "Generate text from a prompt, printing it as it is decoded",
                                   add_generate_options, run_generate);
}

}  // namespace sinkstream::cli
