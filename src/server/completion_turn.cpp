#include "server/completion_turn.hpp"

#include <algorithm>

#include "conversation/stop_strings.hpp"
#include "sinkstream/session.hpp"
#include "sinkstream/tokenizer.hpp"

namespace sinkstream::server {

CompletionResult run_completion(const std::shared_ptr<const Model>& model, Batcher* batcher, const CachePolicy& cache,
                                const CompletionRequest& req, uint64_t seed,
                                const std::function<bool(std::string_view)>& on_text) {
  const Tokenizer& tok = model->tokenizer();
  SessionOptions so;
  so.cache = cache;
  so.threads = 1;  // the batcher's backend runs the steps
  so.batcher = batcher;
  so.sampler.temperature = req.gen.temperature;
  so.sampler.top_p = req.gen.top_p;
  so.sampler.seed = seed;
  Session session(model, so);
  std::vector<int32_t> ids = tok.encode(req.prompt, tok.add_bos_default());
  CompletionResult r;
  r.prompt_tokens = static_cast<int64_t>(ids.size());
  if (ids.empty()) ids.push_back(std::max(0, tok.bos_id()));
  session.eval(std::span<const int32_t>(ids));
  conversation::StopScanner stop(req.gen.stop);
  Utf8StreamDecoder utf8;
  int32_t prev = ids.back();
  r.finish = "length";
  auto emit = [&](const std::string& piece) {
    if (piece.empty()) return true;
    r.text += piece;
    if (on_text && !on_text(piece)) {
      r.cancelled = true;
      return false;
    }
    return true;
  };
  while (r.completion_tokens < req.gen.max_tokens) {
    const int32_t t = session.sample();
    if (t == tok.eos_id()) {
      r.finish = "stop";
      break;
    }
    ++r.completion_tokens;
    const std::string piece = stop.push(utf8.push(tok.decode_piece(prev, t)));
    prev = t;
    if (!emit(piece)) break;
    if (stop.stopped()) {
      r.finish = "stop";
      break;
    }
    if (r.completion_tokens < req.gen.max_tokens) session.eval(t);
  }
  if (!r.cancelled && !stop.stopped()) emit(stop.push(utf8.flush()) + stop.flush());
  if (stop.stopped()) r.finish = "stop";
  return r;
}

}  // namespace sinkstream::server
