// Forward pass over a chunk of T consecutive tokens, and its scratch buffers.
// The model code computes what the architecture says; the KvCache decides where
// keys live and which keys each query sees (per-query spans = the band mask).
// T = 1 is decoding; T > 1 is batched prefill, equal to T steps of 1 within max
// |Δlogit| <= 1e-4 (BatchedPrefill.ChunksEqualTokenByToken; not claimed
// bit-identical: attention over a chunk may sum in another order).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "backend/attention_args.hpp"
#include "backend/backend.hpp"
#include "cache/kv_cache.hpp"
#include "sinkstream/probe.hpp"
#include "model/weights.hpp"
#include "sinkstream/model_config.hpp"

namespace sinkstream::model {

// Buffers of the mixture-of-experts block (model/moe_block.hpp), sized per chunk.
struct MoeScratch {
  std::vector<float> logits;      // [T][n_expert] router logits
  std::vector<int32_t> experts;   // [T][n_expert_used] chosen experts
  std::vector<float> weights;     // [T][n_expert_used] their weights
  std::vector<int64_t> rows;      // [n <= T] tokens routed to the expert being run
  std::vector<float> row_weight;  // [n] their weights for it
  std::vector<float> xin;         // [n][n_embd] gathered inputs
  std::vector<float> hg, hu;      // [n][n_ff] gate and up
  std::vector<float> out;         // [n][n_embd] expert outputs
};

// The rows of one session in a chunk: rows [row0, row0+n) of the scratch are
// tokens at stream positions pos0 .. pos0+n-1 of `cache`. A single-session
// chunk is one segment; continuous batching runs several in one forward pass.
struct ChunkSegment {
  cache::KvCache* cache = nullptr;
  int64_t pos0 = 0;
  int64_t row0 = 0;
  int64_t n = 0;
  int64_t call_end = -1;  // position after the segment's whole request (LongRoPE's choice), -1: pos0 + n
};

// Scratch for one session (or one batcher); grown to the largest chunk seen.
struct ForwardScratch {
  explicit ForwardScratch(const ModelConfig& c);
  void reserve(int64_t T);

  const ModelConfig* cfg;
  int64_t capacity = 0;        // chunk size the buffers hold
  std::vector<float> x;        // [T][n_embd] residual stream
  std::vector<float> xb;       // [T][n_embd] normalized input of a block
  std::vector<float> xb2;      // [T][n_embd] second normalized input (parallel blocks)
  std::vector<float> q;        // [T][q_dim] queries before rotation
  std::vector<float> k, v;     // [T][kv_dim] new keys (not rotated) and values
  std::vector<float> att;      // [T][q_dim] attention output
  std::vector<float> proj;     // [T][n_embd] output projections
  std::vector<float> hb, hb2;  // [T][n_ff] feed-forward hidden
  std::vector<float> gate;     // [T][n_head] head-wise output gate pre-activations
  std::vector<double> rope_freq;          // [n_rot/2] per-pair frequencies (scaling applied) of this call
  // LongRoPE: the per-pair frequencies with the long and the short factor list (both empty
  // otherwise); select_rope() copies one into rope_freq.
  std::vector<double> rope_freq_long, rope_freq_short;
  // Position after the caller's whole call (Session: the tokens of one eval), or -1: the
  // chunk's own end. transformers chooses LongRoPE's list per forward call by it.
  int64_t call_end = -1;
  // Chooses LongRoPE's list for a chunk ending at chunk_end (no-op for other models):
  // long iff (call_end, else chunk_end) > original_context.
  void select_rope(int64_t chunk_end);
  std::vector<double> rope_freq_local;    // [n_rot/2] of the windowed layers when ModelConfig::sliding_rope_theta
                                          // is set (else empty)
  std::vector<float> alibi;               // [n_head] ALiBi slopes (empty unless PositionKind::kAlibi)
  // Per layer group of the cache (cache::KvCache::group_of): where the chunk's tokens went
  // and, per query, its spans and the query rotated for each distinct span position.
  struct GroupChunk {
    void resize(size_t t);
    std::vector<backend::KvPlacement> place;         // [T]
    std::vector<std::vector<backend::KvSpan>> spans; // [T][n_spans]
    std::vector<std::vector<int64_t>> qpos;          // [T][n_distinct]
    std::vector<std::vector<float>> qrot;            // [T][n_distinct * q_dim]
    std::vector<std::vector<const float*>> qptr;     // [T][n_spans]
    std::vector<backend::QueryView> views;           // [T]
  };
  std::vector<GroupChunk> groups;                  // [n_groups], sized by prepare_chunk
  std::vector<float*> rope_rows;                   // [T * max distinct positions] rows handed to Backend::rope
  std::vector<int64_t> rope_pos;                   // [same] their positions
  std::vector<int64_t> ids;                        // [T] embedding rows to look up
  MoeScratch moe;                                  // mixture-of-experts layers only
  std::vector<ChunkSegment> segments;              // [n_segments] whose caches the chunk's rows belong to
  // Analysis only (null in normal runs): sees / masks every attention softmax,
  // and sees the residual stream after every layer. Not owned.
  const backend::AttentionProbe* probe = nullptr;
  LayerHook* layer_hook = nullptr;
};

// A token id that stands for the model's learned sink token (sinklab
// "sink-token" models): its embedding is ModelWeights::sink_token_embd.
inline constexpr int32_t kSinkTokenId = -2;

// Feeds tokens[T] at absolute positions pos0.. pos0+T-1 (their K/V appended to
// the cache). Writes logits: [T][n_vocab] when all_logits, else the last row
// only ([n_vocab]); nothing when logits == nullptr. T must not exceed
// cache.chunk_limit().
// Every op runs on `backend` (backend/backend.hpp).
void forward_chunk(const ModelConfig& c, const ModelWeights& w, cache::KvCache& cache, backend::Backend& backend,
                   ForwardScratch& s, std::span<const int32_t> tokens, int64_t pos0, float* logits,
                   bool all_logits);

// Continuous batching: one forward pass over the rows of several sessions.
// tokens[T] holds every segment's tokens back to back (segments[i] covers
// rows [row0, row0+n), in order, each n <= its cache's chunk_limit()); each
// token attends only to its own segment's cache. Writes the logits after the
// last row of each segment to logits [n_segments][n_vocab]. Per row the same
// numbers as forward_chunk() over that segment alone. Refuses analysis probes, and
// (LongRoPE) segments that need different factor lists: run those in separate calls.
void forward_segments(const ModelConfig& c, const ModelWeights& w, backend::Backend& backend, ForwardScratch& s,
                      std::span<const ChunkSegment> segments, std::span<const int32_t> tokens, float* logits);

}  // namespace sinkstream::model
