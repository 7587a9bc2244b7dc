// A decoding session over a shared Model: owns the KV cache, the stream
// position, the recent-token history and the sampler state.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sinkstream/backend.hpp"
#include "sinkstream/cache_policy.hpp"
#include "sinkstream/model.hpp"
#include "sinkstream/probe.hpp"
#include "sinkstream/sampler.hpp"

namespace sinkstream {

class Batcher;  // batcher.hpp
namespace core {
class ByteReader;
}

struct SessionOptions {
  CachePolicy cache;          // default: dense
  int32_t threads = 0;        // 0 = all cores (host ops and CPU kernels)
  Device device = Device::kCpu;  // where the forward pass runs (backend.hpp)
  int32_t batch = 64;         // prefill chunk: tokens evaluated together (>= 1)
  bool kv_f16 = false;        // store the KV cache as f16 (half the memory) instead of f32
  SamplerParams sampler;
  // Analysis (the lab): an observer of every attention softmax and one of the
  // residual stream after each layer (probe.hpp). Not owned: they must outlive
  // the Session. A probe runs attention on the reference path.
  const AttentionProbe* attention_probe = nullptr;
  LayerHook* layer_hook = nullptr;
  // Continuous batching (batcher.hpp): eval() runs in this batcher's steps
  // together with other sessions. Not owned; must outlive the Session and hold
  // the same Model. No probes, and eval_all() still runs alone.
  Batcher* batcher = nullptr;
};

// The keys and values one layer's cache holds for the last token fed: the
// keys it attended to, itself included, in the order the policy presents them.
struct CachedKv {
  int32_t kv_dim = 0;              // n_head_kv * head_dim
  std::vector<int64_t> positions;  // [n] stream position each key was rotated at
  std::vector<float> k, v;         // [n][kv_dim] f32 (converted from f16 caches); keys rotated
};

class Session {
 public:
  Session(std::shared_ptr<const Model> model, const SessionOptions& options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Feeds `token` at the next stream position; returns the logits [n_vocab] that
  // predict the token after it. Valid until the next call.
  std::span<const float> eval(int32_t token);

  // Feeds several tokens in order (in chunks of options().batch); returns the
  // logits after the last one.
  std::span<const float> eval(std::span<const int32_t> tokens);

  // Teacher forcing: feeds tokens and writes the logits after each of them to
  // all_logits ([tokens.size()][n_vocab], resized). Same numbers as calling
  // eval() token by token.
  void eval_all(std::span<const int32_t> tokens, std::vector<float>* all_logits);

  // Teacher forcing keeps every position's logits (eval_all above); this reads
  // what the cache holds for layer `layer` after the last token (analysis:
  // K/V norms). Throws kInvalidArg before any token, kUnsupported under recompute:W.
  CachedKv cached_kv(int32_t layer) const;

  // Samples the next token from the last logits (repetition penalty over the history).
  int32_t sample();

  // Saved sessions: cache contents, positions, ring indices, history, logits,
  // sampler parameters and RNG state, behind a version header and a CRC-32.
  // load_state() refuses a file made for another model or cache policy, or
  // one that is truncated or corrupted, with a message naming the problem.
  void save_state(const std::string& path) const;
  void load_state(const std::string& path);
  // The cache policy a state file was saved with (to build a matching Session).
  static CachePolicy state_policy(const std::string& path);
  // The same state in memory (a state file's payload, without header and CRC):
  // rewind points, e.g. for a conversation whose template rewrites the last reply.
  // restore() checks it as load_state() does.
  std::string snapshot() const;
  void restore(const std::string& snapshot);
  // A snapshot as a state file (header, CRC, atomic write: what save_state writes for
  // the live state), and back (header and CRC checked; the payload is checked by restore()).
  static void save_snapshot(const std::string& snapshot, const std::string& path);
  static std::string read_snapshot(const std::string& path);

  // Recent tokens fed (most recent last; bounded).
  std::span<const int32_t> history() const;

  int64_t position() const;
  // Bytes of K/V storage the cache holds now.
  size_t cache_bytes() const;  // tokens fed so far == absolute position of the next token
  std::span<const float> logits() const;
  const Model& model() const;
  const SessionOptions& options() const;

 private:
  friend class Batcher;
  struct Impl;
  std::string state_payload() const;
  void load_payload(core::ByteReader& r);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sinkstream
