#include "sinkstream/session.hpp"

#include <cstring>

#include "api/session_impl.hpp"
#include "cache/make_cache.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {

Session::Session(std::shared_ptr<const Model> model, const SessionOptions& options) {
  if (!model) throw Error(ErrorKind::kInvalidArg, "Session: null model");
  if (!model->has_weights()) throw Error(ErrorKind::kInvalidArg, model->path() + ": model has no weights to run");
  if (options.batch < 1) throw Error(ErrorKind::kInvalidArg, "batch size must be >= 1");
  impl_ = std::make_unique<Impl>(std::move(model), options);
  impl_->cache = cache::make_cache(impl_->cfg(), options.cache, options.batch, options.kv_f16);
}

Session::~Session() = default;

std::span<const float> Session::eval(int32_t token) {
  impl_->feed(std::span<const int32_t>(&token, 1), impl_->logits.data(), false);
  return impl_->logits;
}

std::span<const float> Session::eval(std::span<const int32_t> tokens) {
  if (!tokens.empty()) impl_->feed(tokens, impl_->logits.data(), false);
  return impl_->logits;
}

void Session::eval_all(std::span<const int32_t> tokens, std::vector<float>* all_logits) {
  const size_t V = static_cast<size_t>(impl_->cfg().n_vocab);
  all_logits->resize(tokens.size() * V);
  if (tokens.empty()) return;
  impl_->feed(tokens, all_logits->data(), true);
  std::memcpy(impl_->logits.data(), all_logits->data() + (tokens.size() - 1) * V, V * sizeof(float));
}

int32_t Session::sample() { return impl_->sampler.sample(impl_->logits, impl_->history); }

std::span<const int32_t> Session::history() const { return impl_->history; }
int64_t Session::position() const { return impl_->pos; }
size_t Session::cache_bytes() const { return impl_->cache->bytes(); }
std::span<const float> Session::logits() const { return impl_->logits; }
const Model& Session::model() const { return *impl_->model; }
const SessionOptions& Session::options() const { return impl_->options; }

}  // namespace sinkstream
