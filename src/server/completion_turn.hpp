// /v1/completions: raw text continuation (no chat template) on a fresh Session
// that runs in the engine's batcher: tokenize the prompt (with BOS), feed it,
// sample until EOS, a stop string or max_tokens. Stop strings are held back
// while they may still match (conversation::StopScanner, as chat replies do).
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
