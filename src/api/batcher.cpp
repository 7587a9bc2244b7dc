// Continuous batching (sinkstream/batcher.hpp): one thread runs steps; each
// step takes one row from every decoding session and a chunk of every pending
// prompt, up to max_rows, and runs them as one model::forward_segments() pass.
#include "sinkstream/batcher.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "api/model_access.hpp"
#include "api/session_impl.hpp"
#include "sinkstream/error.hpp"
#include "sinkstream/session.hpp"

namespace sinkstream {

struct Batcher::Impl {
  // One Session::eval waiting in the queue.
  struct Request {
    Session::Impl* session = nullptr;
    std::span<const int32_t> tokens;
    size_t done = 0;  // tokens fed so far
    bool finished = false;
    std::exception_ptr error;
  };

  // A row plan of one step: which request, how many of its tokens, and whether a
  // learned sink token goes first (a fresh session of a sink-token model).
  struct Planned {
    Request* req;
    int64_t n;
    bool sink_first;
  };

  std::shared_ptr<const Model> model;
  BatcherOptions options;
  std::unique_ptr<backend::Backend> backend;  // every step's ops, on options.threads threads
  model::ForwardScratch scratch;
  std::vector<float> logits;     // [n_segments][n_vocab] of the last step
  std::vector<int32_t> tokens;   // [rows] of the step being built
  std::vector<model::ChunkSegment> segments;  // [n_segments]

  mutable std::mutex mu;
  std::condition_variable work_cv;  // the step thread waits for requests
  std::condition_variable done_cv;  // submitters wait for their request to finish
  std::deque<Request*> queue;       // pending requests, oldest first
  std::unordered_set<const Session::Impl*> expected;  // sessions of the last step not yet back
  BatcherStats stats;
  bool stop = false;
  std::thread thread;

  Impl(std::shared_ptr<const Model> m, const BatcherOptions& o)
      : model(std::move(m)), options(o), backend(backend::make_backend(backend::BackendOptions{o.threads, api::ModelAccess::weight_cache(*model), o.device})),
        scratch(model->config()) {}

  // Runs `plan` as one forward pass (outside the lock: the submitters are blocked
  // and nobody else touches these sessions). Refeed-window sessions (recompute:W)
  // run alone through their own feed().
  void run_step(std::span<const Planned> plan) {
    const ModelConfig& c = model->config();
    const size_t V = static_cast<size_t>(c.n_vocab);
    tokens.clear();
    segments.clear();
    std::vector<const Planned*> batched;
    for (const Planned& p : plan) {
      Session::Impl& s = *p.req->session;
      const auto part = p.req->tokens.subspan(p.req->done, static_cast<size_t>(p.n));
      if (s.refeed_window() > 0) {
        s.feed(part, s.logits.data(), false);
        continue;
      }
      s.check_tokens(part);
      const int64_t row0 = static_cast<int64_t>(tokens.size());
      if (p.sink_first) tokens.push_back(model::kSinkTokenId);
      tokens.insert(tokens.end(), part.begin(), part.end());
      // A sink token takes position 0 and the tokens follow it (Session::Impl::feed does the same).
      const int64_t n = static_cast<int64_t>(tokens.size()) - row0;
      // The request ends after its remaining tokens (LongRoPE chooses its factors by that end).
      const int64_t end = s.pos + (p.sink_first ? 1 : 0) + static_cast<int64_t>(p.req->tokens.size() - p.req->done);
      segments.push_back(model::ChunkSegment{s.cache.get(), s.pos, row0, n, end});
      batched.push_back(&p);
    }
    if (!segments.empty()) {
      logits.resize(segments.size() * V);
      forward_in_rope_groups(c);
    }
    for (size_t i = 0; i < batched.size(); ++i) {
      const Planned& p = *batched[i];
      Session::Impl& s = *p.req->session;
      const auto part = p.req->tokens.subspan(p.req->done, static_cast<size_t>(p.n));
      if (p.sink_first) s.pos = 1;
      for (const int32_t t : part) s.remember(t);
      s.pos += p.n;
      std::copy_n(logits.data() + i * V, V, s.logits.data());
    }
  }

  // One forward_segments() over `segments`, or (LongRoPE, sessions on both sides of its
  // original context) one per factor list; logits[i] stays segment i's.
  void forward_in_rope_groups(const ModelConfig& c) {
    const auto& weights = api::ModelAccess::weights(*model);
    const int64_t orig = c.rope_scaling.original_context;
    const auto is_long = [&](const model::ChunkSegment& g) { return g.call_end > orig; };
    const bool mixed = !c.rope_scaling.long_factors.empty() &&
                       std::any_of(segments.begin(), segments.end(), is_long) &&
                       !std::all_of(segments.begin(), segments.end(), is_long);
    if (!mixed) {
      model::forward_segments(c, weights, *backend, scratch, segments, tokens, logits.data());
      return;
    }
    const size_t V = static_cast<size_t>(c.n_vocab);
    for (const bool want_long : {false, true}) {
      std::vector<model::ChunkSegment> part;  // this list's segments, rows renumbered
      std::vector<int32_t> part_tokens;
      std::vector<size_t> index;              // [part] position in `segments`
      for (size_t i = 0; i < segments.size(); ++i) {
        if (is_long(segments[i]) != want_long) continue;
        model::ChunkSegment g = segments[i];
        const auto from = tokens.begin() + static_cast<std::ptrdiff_t>(g.row0);
        g.row0 = static_cast<int64_t>(part_tokens.size());
        part_tokens.insert(part_tokens.end(), from, from + static_cast<std::ptrdiff_t>(g.n));
        part.push_back(g);
        index.push_back(i);
      }
      std::vector<float> part_logits(part.size() * V);  // [part][n_vocab]
      model::forward_segments(c, weights, *backend, scratch, part, part_tokens, part_logits.data());
      for (size_t k = 0; k < part.size(); ++k) {
        std::copy_n(part_logits.data() + k * V, V, logits.data() + index[k] * V);
      }
    }
  }

  // Picks the rows of the next step from the queue (under the lock): one row for
  // every request with one token left, then prompt chunks, up to max_rows. While
  // a prompt waits, decode rows leave room for one chunk, so a new request is
  // never starved by many decoding sessions.
  std::vector<Planned> plan_step() {
    std::vector<Planned> plan;
    const bool prompt_waits = std::any_of(queue.begin(), queue.end(), [](const Request* r) {
      return r->tokens.size() - r->done > 1;
    });
    const int64_t reserve = prompt_waits ? std::min<int64_t>(options.prefill_chunk, options.max_rows - 1) : 0;
    int64_t used = 0;
    for (int pass = 0; pass < 2; ++pass) {  // 0: decode rows, 1: prompt chunks
      const int64_t cap = pass == 0 ? options.max_rows - reserve : options.max_rows;
      for (Request* r : queue) {
        const int64_t left = static_cast<int64_t>(r->tokens.size() - r->done);
        if ((pass == 0) != (left == 1) || used >= cap) continue;
        Session::Impl& s = *r->session;
        const bool sink = s.has_sink_token() && s.pos == 0 && s.refeed_window() == 0;
        const int64_t limit = std::min<int64_t>({left, options.prefill_chunk, s.cache->chunk_limit() - (sink ? 1 : 0),
                                                 cap - used - (sink ? 1 : 0)});
        if (limit < 1) continue;
        plan.push_back(Planned{r, limit, sink});
        used += limit + (sink ? 1 : 0);
      }
    }
    return plan;
  }

  // Waits (under the lock) until every session of the last step is back in the
  // queue or gather_us has passed, so a step runs as many sessions as are active.
  void gather(std::unique_lock<std::mutex>& lock) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(options.gather_us);
    auto all_back = [&] {
      if (stop) return true;
      for (const Session::Impl* s : expected) {
        const bool queued = std::any_of(queue.begin(), queue.end(), [&](const Request* r) { return r->session == s; });
        if (!queued) return false;
      }
      return true;
    };
    work_cv.wait_until(lock, deadline, all_back);
  }

  void loop() {
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
      work_cv.wait(lock, [&] { return stop || !queue.empty(); });
      if (stop && queue.empty()) return;
      gather(lock);
      std::vector<Planned> plan = plan_step();
      lock.unlock();
      std::exception_ptr error;
      try {
        run_step(plan);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      finish_step(plan, error);
    }
  }

  // Under the lock: advance the requests, retire finished ones, note who to wait for.
  void finish_step(std::span<const Planned> plan, const std::exception_ptr& error) {
    expected.clear();
    int64_t rows = 0;
    for (const Planned& p : plan) {
      Request& r = *p.req;
      r.done += static_cast<size_t>(p.n);
      rows += p.n + (p.sink_first ? 1 : 0);
      if (error) r.error = error;
      if (r.error || r.done == r.tokens.size()) {
        r.finished = true;
        queue.erase(std::find(queue.begin(), queue.end(), &r));
      }
      expected.insert(r.session);
    }
    stats.steps += 1;
    stats.rows += rows;
    stats.segments += static_cast<int64_t>(plan.size());
    stats.max_segments = std::max<int64_t>(stats.max_segments, static_cast<int64_t>(plan.size()));
    done_cv.notify_all();
  }
};

Batcher::Batcher(std::shared_ptr<const Model> model, const BatcherOptions& options) {
  if (!model || !model->has_weights()) throw Error(ErrorKind::kInvalidArg, "Batcher: a model with weights is needed");
  if (options.max_rows < 1 || options.prefill_chunk < 1 || options.gather_us < 0) {
    throw Error(ErrorKind::kInvalidArg, "Batcher: max_rows and prefill_chunk must be >= 1, gather_us >= 0");
  }
  impl_ = std::make_unique<Impl>(std::move(model), options);
  impl_->thread = std::thread([this] { impl_->loop(); });
}

Batcher::~Batcher() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop = true;
  }
  impl_->work_cv.notify_all();
  impl_->thread.join();
}

void Batcher::submit(Session& session, std::span<const int32_t> tokens) {
  if (tokens.empty()) return;
  Impl::Request req;
  req.session = session.impl_.get();
  req.tokens = tokens;
  std::unique_lock<std::mutex> lock(impl_->mu);
  if (impl_->stop) throw Error(ErrorKind::kInvalidArg, "Batcher: stopped");
  impl_->queue.push_back(&req);
  impl_->work_cv.notify_all();
  impl_->done_cv.wait(lock, [&] { return req.finished; });
  if (req.error) std::rethrow_exception(req.error);
}

void Batcher::release(const Session& session) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->expected.erase(session.impl_.get());
  impl_->work_cv.notify_all();
}

void Batcher::eval_together(std::span<Session* const> sessions, std::span<const int32_t> tokens) {
  if (sessions.size() != tokens.size()) {
    throw Error(ErrorKind::kInvalidArg, "eval_together: " + std::to_string(sessions.size()) + " sessions but " +
                                            std::to_string(tokens.size()) + " tokens");
  }
  std::vector<Impl::Request> reqs(sessions.size());
  std::vector<Impl::Planned> plan;
  for (size_t i = 0; i < sessions.size(); ++i) {
    if (std::find(sessions.begin(), sessions.begin() + static_cast<std::ptrdiff_t>(i), sessions[i]) !=
        sessions.begin() + static_cast<std::ptrdiff_t>(i)) {
      throw Error(ErrorKind::kInvalidArg, "eval_together: session " + std::to_string(i) + " appears twice");
    }
    Session::Impl& s = *sessions[i]->impl_;
    if (s.model.get() != impl_->model.get()) throw Error(ErrorKind::kInvalidArg, "eval_together: a session of another model");
    reqs[i].session = &s;
    reqs[i].tokens = tokens.subspan(i, 1);
    plan.push_back(Impl::Planned{&reqs[i], 1, s.has_sink_token() && s.pos == 0 && s.refeed_window() == 0});
  }
  impl_->run_step(plan);
}

BatcherStats Batcher::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  BatcherStats st = impl_->stats;
  st.queued = static_cast<int64_t>(impl_->queue.size());
  return st;
}

const Model& Batcher::model() const { return *impl_->model; }

}  // namespace sinkstream
