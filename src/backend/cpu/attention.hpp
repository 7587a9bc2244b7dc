// Attention of a chunk of queries over KV storage (backend::KvView) described by per-query spans
// (reference path; the flash-decoding kernel of the CPU performance issue is
// tested against it).
#pragma once

#include <cstdint>
#include <span>

#include "backend/cpu/kernels.hpp"
#include "backend/attention_args.hpp"
#include "core/thread_pool.hpp"

namespace sinkstream::backend::cpu {

using backend::AttentionArgs;
using backend::QueryView;

// queries: [T]; out: [T][n_head * head_dim]. Runs attention_flash on the
// dispatched kernels, or attention_ref when SINKSTREAM_SIMD=ref (and whenever
// an analysis probe that needs the probabilities is attached to the args).
void attention(const AttentionArgs& a, std::span<const QueryView> queries, float* out, core::ThreadPool& pool);

// The reference: attention_head per (query, head), parallel over (query, head).
void attention_ref(const AttentionArgs& a, std::span<const QueryView> queries, float* out, core::ThreadPool& pool);

// Keys per work item of attention_flash. Fixed (not derived from the thread
// count or the chunk size T) so that results do not depend on either.
inline constexpr int32_t kFlashKeyChunk = 256;

// Flash-decoding: each query's keys (its spans, in order) are cut into chunks
// of key_chunk; one work item = (query, kv head, key chunk) scores the chunk
// against the kv head's n_head / n_head_kv query heads (each key read once per
// group), keeps (max, sum of exp, weighted value sum), and the partials are
// merged in chunk order with the learned / zero sink logit. ALiBi, dual RoPE
// (per-span query pointers) and f16 KV as in attention_head. Matches the
// reference to f32 rounding (relative ~1e-5 of the output scale).
void attention_flash(const Kernels& k, const AttentionArgs& a, std::span<const QueryView> queries, float* out,
                     core::ThreadPool& pool, int32_t key_chunk = kFlashKeyChunk);

// One head of one query: the softmax-weighted value sum -> out [head_dim].
// scores: scratch of at least the total span length.
void attention_head(const AttentionArgs& a, const QueryView& qv, int32_t h, float* scores, float* out);

}  // namespace sinkstream::backend::cpu
