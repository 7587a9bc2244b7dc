// run_passkey: every policy answers the same prompts (same keys, same depths).
#include "eval/passkey.hpp"

#include <chrono>

#include "sinkstream/error.hpp"
#include "sinkstream/sampler.hpp"
#include "sinkstream/session.hpp"

namespace sinkstream::eval {

namespace {

struct Trial {
  std::string key;
  PasskeyPrompt prompt;
};

// Greedy answer of one session to one prompt.
std::string answer(const std::shared_ptr<const Model>& model, const PasskeyOptions& o, const CachePolicy& policy,
                   const std::vector<int32_t>& prompt) {
  SessionOptions so;
  so.cache = policy;
  so.threads = o.threads;
  so.device = o.device;
  so.batch = o.batch;
  so.sampler.temperature = 0.0f;
  so.sampler.repeat_penalty = 1.0f;
  Session s(model, so);
  s.eval(std::span<const int32_t>(prompt));
  const Tokenizer& tok = model->tokenizer();
  std::vector<int32_t> out;
  for (int i = 0; i < o.max_new; ++i) {
    const int32_t next = s.sample();
    if (next == tok.eos_id()) break;
    out.push_back(next);
    s.eval(next);
  }
  return tok.decode(out);
}

}  // namespace

PasskeyResult run_passkey(const std::shared_ptr<const Model>& model, const PasskeyOptions& o) {
  if (o.policies.empty()) throw Error(ErrorKind::kInvalidArg, "passkey: no cache policy given");
  if (o.depths.empty()) throw Error(ErrorKind::kInvalidArg, "passkey: no depth given");
  if (o.trials < 1) throw Error(ErrorKind::kInvalidArg, "passkey: trials must be >= 1");
  const Tokenizer& tok = model->tokenizer();
  // The prompts, built once: [depth][trial].
  Rng rng(o.seed);
  std::vector<std::vector<Trial>> trials(o.depths.size());
  PasskeyResult r;
  r.depths = o.depths;
  for (size_t d = 0; d < o.depths.size(); ++d) {
    for (int t = 0; t < o.trials; ++t) {
      Trial tr;
      tr.key = std::to_string(10000 + rng.next() % 90000);
      tr.prompt = make_passkey_prompt(tok, o.length, o.depths[d], tr.key);
      r.prompt_tokens = std::max<int64_t>(r.prompt_tokens, static_cast<int64_t>(tr.prompt.tokens.size()));
      trials[d].push_back(std::move(tr));
    }
  }
  using clock = std::chrono::steady_clock;
  for (const auto& policy : o.policies) {
    const auto t0 = clock::now();
    r.policies.push_back(policy.to_string());
    std::vector<PasskeyCell> row;
    PasskeyProgress prog{policy.to_string(), 0, static_cast<int64_t>(o.depths.size()) * o.trials, 0};
    for (size_t d = 0; d < o.depths.size(); ++d) {
      PasskeyCell cell;
      cell.depth = o.depths[d];
      for (const Trial& tr : trials[d]) {
        const std::string ans = answer(model, o, policy, tr.prompt.tokens);
        cell.answers.push_back(ans);
        cell.correct += first_number(ans) == tr.key ? 1 : 0;
        ++cell.trials;
        cell.key_token_depth +=
            static_cast<double>(tr.prompt.key_begin) / static_cast<double>(tr.prompt.tokens.size()) / o.trials;
        ++prog.done;
        prog.seconds = std::chrono::duration<double>(clock::now() - t0).count();
        if (o.progress) o.progress(prog);
      }
      row.push_back(std::move(cell));
    }
    r.cells.push_back(std::move(row));
    r.seconds.push_back(std::chrono::duration<double>(clock::now() - t0).count());
  }
  return r;
}

}  // namespace sinkstream::eval
