// /v1/completions: raw text continuation (no chat template) on a fresh Session
// that runs in the engine's batcher: tokenize the prompt (with BOS), feed it,
// sample until EOS, a stop string or max_tokens. Stop strings are held back
// while they may still match, as the OpenAI API implies (the text returned
// never contains a stop string nor a prefix of one that then matched).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/request.hpp"
#include "sinkstream/batcher.hpp"
#include "sinkstream/cache_policy.hpp"
#include "sinkstream/model.hpp"

namespace sinkstream::server {

// Holds back text that could be the start of a stop string.
class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {}
  // Appends text; returns what is safe to emit now. After a match, stopped() is
  // true and nothing more is returned.
  std::string push(std::string_view text);
  // The held-back tail once generation ends without a match.
  std::string flush();
  bool stopped() const { return stopped_; }

 private:
  std::vector<std::string> stops_;
  std::string held_;
  bool stopped_ = false;
};

struct CompletionResult {
  std::string text;
  std::string finish;  // "stop" | "length"
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  bool cancelled = false;  // on_text returned false
};

// on_text: each piece of text as it is decoded; return false to stop.
CompletionResult run_completion(const std::shared_ptr<const Model>& model, Batcher* batcher, const CachePolicy& cache,
                                const CompletionRequest& req, uint64_t seed,
                                const std::function<bool(std::string_view)>& on_text);

}  // namespace sinkstream::server
