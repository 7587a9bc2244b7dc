#include "sinkstream/session.hpp"

#include <cstring>

#include "api/session_impl.hpp"
#include "cache/make_cache.hpp"
#include "core/f16.hpp"
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

CachedKv Session::cached_kv(int32_t layer) const {
  const cache::KvCache& kv_cache = *impl_->cache;
  if (layer < 0 || layer >= kv_cache.n_layer()) {
    throw Error(ErrorKind::kRange, "layer " + std::to_string(layer) + " is outside [0, " +
                                       std::to_string(kv_cache.n_layer()) + ")");
  }
  const backend::KvView cache = kv_cache.view(layer);  // the layer's group (its own window, if any)
  if (impl_->pos == 0) throw Error(ErrorKind::kInvalidArg, "cached_kv: no token has been fed yet");
  if (kv_cache.refeed_window() > 0) {
    throw Error(ErrorKind::kUnsupported, "cached_kv: recompute:W rebuilds its cache for every token");
  }
  std::vector<backend::KvSpan> spans;
  kv_cache.spans(kv_cache.group_of(layer), impl_->pos - 1, &spans);
  CachedKv out;
  out.kv_dim = cache.kv_dim();
  const size_t D = static_cast<size_t>(out.kv_dim);
  for (const backend::KvSpan& s : spans) {
    for (int32_t i = 0; i < s.count; ++i) {
      const int32_t slot = s.slot_begin + i;
      out.positions.push_back(cache.slot_pos()[slot]);
      if (cache.is_f16()) {
        const uint16_t* k = cache.k16(layer, slot);
        const uint16_t* v = cache.v16(layer, slot);
        for (size_t j = 0; j < D; ++j) out.k.push_back(core::f16_to_f32(k[j]));
        for (size_t j = 0; j < D; ++j) out.v.push_back(core::f16_to_f32(v[j]));
      } else {
        out.k.insert(out.k.end(), cache.k(layer, slot), cache.k(layer, slot) + D);
        out.v.insert(out.v.end(), cache.v(layer, slot), cache.v(layer, slot) + D);
      }
    }
  }
  return out;
}

int32_t Session::sample() { return impl_->sampler.sample(impl_->logits, impl_->history); }

std::span<const int32_t> Session::history() const { return impl_->history; }
int64_t Session::position() const { return impl_->pos; }
size_t Session::cache_bytes() const { return impl_->cache->bytes(); }
std::span<const float> Session::logits() const { return impl_->logits; }
const Model& Session::model() const { return *impl_->model; }
const SessionOptions& Session::options() const { return impl_->options; }

}  // namespace sinkstream
