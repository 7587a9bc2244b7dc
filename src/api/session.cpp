#include "sinkstream/session.hpp"

#include <algorithm>

#include "cache/dense_cache.hpp"
#include "core/thread_pool.hpp"
#include "model/forward.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {

struct Session::Impl {
  std::shared_ptr<const Model> model;
  SessionOptions options;
  ThreadPool pool;
  std::unique_ptr<KvCache> cache;
  ForwardScratch scratch;
  Sampler sampler;
  std::vector<float> logits;    // [n_vocab]
  std::vector<int32_t> history; // recent tokens for the repetition penalty (bounded)
  int64_t pos = 0;

  Impl(std::shared_ptr<const Model> m, const SessionOptions& o)
      : model(std::move(m)), options(o), pool(o.threads), scratch(model->config()), sampler(o.sampler),
        logits(static_cast<size_t>(model->config().n_vocab), 0.0f) {}
};

namespace {
std::unique_ptr<KvCache> make_cache(const ModelConfig& c, const CachePolicy& p) {
  switch (p.kind) {
    case CachePolicy::Kind::kDense:
      return std::make_unique<DenseCache>(c.n_layer, c.kv_dim(), std::max(1, c.n_ctx_train));
    default:
      throw Error(ErrorKind::kUnsupported, "cache policy " + p.to_string() + " is not implemented yet");
  }
}
}  // namespace

Session::Session(std::shared_ptr<const Model> model, const SessionOptions& options) {
  if (!model) throw Error(ErrorKind::kInvalidArg, "Session: null model");
  if (!model->has_weights()) throw Error(ErrorKind::kInvalidArg, model->path() + ": model has no weights to run");
  impl_ = std::make_unique<Impl>(std::move(model), options);
  impl_->cache = make_cache(impl_->model->config(), options.cache);
}

Session::~Session() = default;

std::span<const float> Session::eval(int32_t token) {
  Impl& s = *impl_;
  const ModelConfig& c = s.model->config();
  if (token < 0 || token >= c.n_vocab) {
    throw Error(ErrorKind::kRange, "token id " + std::to_string(token) + " is outside the vocabulary [0, " +
                                       std::to_string(c.n_vocab) + ")");
  }
  llama_forward(c, s.model->weights(), *s.cache, s.pool, s.scratch, token, s.pos, s.logits.data());
  ++s.pos;
  s.history.push_back(token);
  const size_t keep = static_cast<size_t>(std::max(64, s.options.sampler.repeat_last_n));
  if (s.history.size() > 2 * keep) s.history.erase(s.history.begin(), s.history.end() - static_cast<std::ptrdiff_t>(keep));
  return s.logits;
}

std::span<const float> Session::eval(std::span<const int32_t> tokens) {
  for (const int32_t t : tokens) eval(t);
  return impl_->logits;
}

int32_t Session::sample() { return impl_->sampler.sample(impl_->logits, impl_->history); }

int64_t Session::position() const { return impl_->pos; }
std::span<const float> Session::logits() const { return impl_->logits; }
const Model& Session::model() const { return *impl_->model; }
const SessionOptions& Session::options() const { return impl_->options; }

}  // namespace sinkstream
