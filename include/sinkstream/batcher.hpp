// Continuous batching: the pending tokens of many Sessions over one Model run
// together as one forward pass per step (the weights are read once per step for
// every session; each token attends only to its own session's cache). Sessions
// join and leave between steps; a long prompt is fed in chunks that share steps
// with other sessions' decode tokens, so it does not stall them.
//
// A Session made with SessionOptions::batcher = &b routes eval() here: the
// calling thread queues its tokens and waits while the batcher's thread feeds
// them (many threads, one per conversation, each blocking in eval()). Per row
// the numbers are those of Session::eval alone (tests/unit/batcher_test.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "sinkstream/backend.hpp"
#include "sinkstream/model.hpp"

namespace sinkstream {

class Session;

struct BatcherOptions {
  int32_t threads = 0;         // threads of the one backend every step runs on (0 = all cores)
  Device device = Device::kCpu;  // where every step runs (backend.hpp)
  int32_t max_rows = 64;       // tokens per step, all sessions together (>= 1)
  int32_t prefill_chunk = 16;  // most prompt tokens of one session per step (>= 1)
  int32_t gather_us = 3000;    // how long a step waits for the sessions of the last step to come back
};

struct BatcherStats {
  int64_t steps = 0;         // forward passes run
  int64_t rows = 0;          // tokens fed in them
  int64_t segments = 0;      // (session, step) pairs: rows / segments ~ tokens per session per step
  int64_t max_segments = 0;  // most sessions in one step
  int64_t queued = 0;        // Session::eval calls waiting now
};

class Batcher {
 public:
  Batcher(std::shared_ptr<const Model> model, const BatcherOptions& options);
  ~Batcher();  // finishes the step in flight; later submits throw
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Session::eval of a batched session: queues `tokens` for `session` and
  // returns once all are fed (the session's logits() then follow the last).
  // Rethrows what the step threw for this session.
  void submit(Session& session, std::span<const int32_t> tokens);

  // The session will not submit again soon (its turn ended, or it is being
  // destroyed): the next step does not wait for it.
  void release(const Session& session);

  // One step in the caller's thread: tokens[i] fed to sessions[i] together, one
  // forward pass (tests, benchmarks). Not while the batcher's thread is busy
  // with the same sessions.
  void eval_together(std::span<Session* const> sessions, std::span<const int32_t> tokens);

  BatcherStats stats() const;
  const Model& model() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sinkstream
