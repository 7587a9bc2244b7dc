// Private state of a Session, shared by session.cpp and session_state.cpp.
#pragma once

#include <algorithm>
#include <memory>
#include <vector>

#include "api/model_access.hpp"
#include "api/probe_adapter.hpp"
#include "cache/kv_cache.hpp"
#include "backend/backend.hpp"
#include "backend/make_backend.hpp"
#include "model/forward.hpp"
#include "sinkstream/error.hpp"
#include "sinkstream/session.hpp"

namespace sinkstream {

struct Session::Impl {
  std::shared_ptr<const Model> model;
  SessionOptions options;
  std::unique_ptr<backend::Backend> backend;  // runs every op of the forward pass
  std::unique_ptr<cache::KvCache> cache;
  model::ForwardScratch scratch;
  Sampler sampler;
  std::vector<float> logits;     // [n_vocab] after the last token fed
  std::vector<int32_t> history;  // recent tokens (repetition penalty; recompute window), bounded
  int64_t pos = 0;
  std::unique_ptr<api::ProbeAdapter> probe;  // options.attention_probe seen by the CPU attention, or null

  Impl(std::shared_ptr<const Model> m, const SessionOptions& o)
      : model(std::move(m)), options(o), backend(backend::make_backend(backend::BackendOptions{o.threads, api::ModelAccess::weight_cache(*model), o.device})),
        scratch(model->config()), sampler(o.sampler),
        logits(static_cast<size_t>(model->config().n_vocab), 0.0f) {
    if (o.attention_probe != nullptr) probe = std::make_unique<api::ProbeAdapter>(*o.attention_probe);
    scratch.probe = probe.get();
    scratch.layer_hook = o.layer_hook;
  }

  const ModelConfig& cfg() const { return model->config(); }
  // W > 0 when the policy re-runs the last W tokens for every token (recompute:W).
  int32_t refeed_window() const { return cache->refeed_window(); }

  void check_tokens(std::span<const int32_t> tokens) const {
    for (const int32_t t : tokens) {
      if (t < 0 || t >= cfg().n_vocab) {
        throw Error(ErrorKind::kRange, "token id " + std::to_string(t) + " is outside the vocabulary [0, " +
                                           std::to_string(cfg().n_vocab) + ")");
      }
    }
  }

  void remember(int32_t token) {
    history.push_back(token);
    const size_t keep = static_cast<size_t>(std::max({64, options.sampler.repeat_last_n,
                                                      refeed_window()}));
    if (history.size() > 2 * keep) history.erase(history.begin(), history.end() - static_cast<std::ptrdiff_t>(keep));
  }

  bool has_sink_token() const { return model->has_sink_token(); }

  // Feeds tokens through the cache policy; out: [T][n_vocab] when all, else the last row.
  // Models with a learned sink token get it at stream position 0 before the first token.
  void feed(std::span<const int32_t> tokens, float* out, bool all) {
    check_tokens(tokens);
    if (refeed_window() > 0) {
      refeed(tokens, out, all);
      return;
    }
    if (has_sink_token() && pos == 0) {
      const int32_t sink = model::kSinkTokenId;
      run_chunks(std::span<const int32_t>(&sink, 1), 0, nullptr, false);
      pos = 1;
    }
    run_chunks(tokens, pos, out, all);
    for (const int32_t t : tokens) remember(t);
    pos += static_cast<int64_t>(tokens.size());
  }

  // Policies with a refeed window W (recompute:W): every token clears the cache
  // and re-runs the last W tokens from scratch at positions 0..W-1.
  void refeed(std::span<const int32_t> tokens, float* out, bool all) {
    const size_t V = static_cast<size_t>(cfg().n_vocab);
    const int32_t window = refeed_window();
    for (size_t i = 0; i < tokens.size(); ++i) {
      remember(tokens[i]);
      // With a learned sink token the window is [sink] + the last W-1 tokens.
      const size_t room = std::max<size_t>(1, static_cast<size_t>(window) - (has_sink_token() ? 1 : 0));
      const size_t W = std::min(history.size(), room);
      std::vector<int32_t> win;
      if (has_sink_token()) win.push_back(model::kSinkTokenId);
      win.insert(win.end(), history.end() - static_cast<std::ptrdiff_t>(W), history.end());
      cache->clear();
      float* dst = all ? out + i * V : (i + 1 == tokens.size() ? out : nullptr);
      run_chunks(win, 0, dst, false);
      ++pos;
    }
  }

  // Chunked forward of tokens starting at absolute position p0.
  void run_chunks(std::span<const int32_t> tokens, int64_t p0, float* out, bool all) {
    const size_t V = static_cast<size_t>(cfg().n_vocab);
    // One call for LongRoPE's choice of factors, however it is chunked (transformers: one forward).
    scratch.call_end = p0 + static_cast<int64_t>(tokens.size());
    size_t i = 0;
    while (i < tokens.size()) {
      const int64_t limit = std::min<int64_t>(options.batch, cache->chunk_limit());
      const size_t n = std::min(tokens.size() - i, static_cast<size_t>(limit));
      const bool last = i + n == tokens.size();
      float* dst = nullptr;
      if (out != nullptr && all) dst = out + i * V;
      else if (out != nullptr && last) dst = out;
      model::forward_chunk(cfg(), api::ModelAccess::weights(*model), *cache, *backend, scratch, tokens.subspan(i, n), p0 + static_cast<int64_t>(i),
                    dst, all);
      i += n;
    }
    scratch.call_end = -1;
  }
};


}  // namespace sinkstream
