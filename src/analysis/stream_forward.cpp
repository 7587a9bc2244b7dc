#include "analysis/stream_forward.hpp"

#include "backend/make_backend.hpp"
#include "cache/dense_policy.hpp"
#include "eval/stream_ppl.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::sinks {

StreamForward::StreamForward(const Model& model, int32_t threads)
    : model_(model), backend_(backend::make_backend(backend::BackendOptions{threads})), scratch_(model.config()) {
  if (!model.has_weights()) throw Error(ErrorKind::kInvalidArg, model.path() + ": model has no weights to run");
  const ModelConfig& c = model.config();
  cache_ = std::make_unique<cache::KvCache>(std::make_unique<cache::DensePolicy>(64), c.n_layer, c.kv_dim(), false);
}

double StreamForward::run(std::span<const int32_t> tokens, const backend::AttentionProbe* probe, LayerHook* hook) {
  const ModelConfig& c = model_.config();
  if (tokens.size() < 2) throw Error(ErrorKind::kInvalidArg, "the stream needs at least 2 tokens");
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= c.n_vocab) {
      throw Error(ErrorKind::kRange, "token " + std::to_string(i) + " (id " + std::to_string(tokens[i]) +
                                         ") is outside the vocabulary [0, " + std::to_string(c.n_vocab) + ")");
    }
  }
  // Models with a learned sink token see it at stream position 0, as in a Session.
  std::vector<int32_t> fed;
  if (has_sink_token()) fed.push_back(kSinkTokenId);
  fed.insert(fed.end(), tokens.begin(), tokens.end());
  const size_t off = fed.size() - tokens.size();  // row of tokens[0]
  const size_t V = static_cast<size_t>(c.n_vocab);
  logits_.resize(fed.size() * V);
  cache_->clear();
  scratch_.probe = probe;
  scratch_.layer_hook = hook;
  try {
    forward_chunk(c, model_.weights(), *cache_, *backend_, scratch_, fed, 0, logits_.data(), true);
  } catch (...) {
    scratch_.probe = nullptr;
    scratch_.layer_hook = nullptr;
    throw;
  }
  scratch_.probe = nullptr;
  scratch_.layer_hook = nullptr;
  double sum = 0;
  for (size_t t = 0; t + 1 < tokens.size(); ++t) {
    sum += token_nll(std::span<const float>(logits_.data() + (off + t) * V, V), tokens[t + 1]);
  }
  return sum / static_cast<double>(tokens.size() - 1);
}

bool StreamForward::has_sink_token() const { return !model_.weights().sink_token_embd.empty(); }

}  // namespace sinkstream::sinks
