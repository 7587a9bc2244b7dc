#include "model/blocks.hpp"

#include <algorithm>
#include <cmath>

#include "model/moe_block.hpp"
#include "model/positions.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::model {

ForwardScratch::ForwardScratch(const ModelConfig& c)
    : cfg(&c),
      rope_freq(rope_frequencies(c)),
      rope_freq_local(c.sliding_rope_theta > 0.0 ? local_rope_frequencies(c) : std::vector<double>()),
      alibi(c.positions == PositionKind::kAlibi ? alibi_slopes(c) : std::vector<float>()) {
  const RopeScaling& r = c.rope_scaling;
  if (r.kind == RopeScalingKind::kFactors && !r.long_factors.empty() && !r.short_factors.empty()) {
    ModelConfig lc = c;
    lc.rope_scaling.freq_factors = r.long_factors;
    rope_freq_long = rope_frequencies(lc);
    lc.rope_scaling.freq_factors = r.short_factors;
    rope_freq_short = rope_frequencies(lc);
  }
  reserve(1);
}

void ForwardScratch::select_rope(int64_t chunk_end) {
  if (rope_freq_long.empty()) return;
  const int64_t end = call_end >= 0 ? call_end : chunk_end;
  rope_freq = end > cfg->rope_scaling.original_context ? rope_freq_long : rope_freq_short;
}

void ForwardScratch::reserve(int64_t T) {
  if (T <= capacity) return;
  const ModelConfig& c = *cfg;
  const size_t t = static_cast<size_t>(T);
  x.resize(t * static_cast<size_t>(c.n_embd));
  xb.resize(x.size());
  xb2.resize(x.size());
  proj.resize(x.size());
  q.resize(t * static_cast<size_t>(c.q_dim()));
  att.resize(q.size());
  k.resize(t * static_cast<size_t>(c.kv_dim()));
  v.resize(k.size());
  hb.resize(t * static_cast<size_t>(c.n_ff));
  hb2.resize(hb.size());
  gate.resize(t * static_cast<size_t>(c.n_head));
  ids.resize(t);
  for (GroupChunk& g : groups) g.resize(t);
  capacity = T;
}

void ForwardScratch::GroupChunk::resize(size_t t) {
  place.resize(t);
  spans.resize(t);
  qpos.resize(t);
  qrot.resize(t);
  qptr.resize(t);
  views.resize(t);
}

namespace blocks {

namespace {

// How RoPE rotates rows of n_heads heads in layer l (frequency table in s).
backend::RopeSpec rope_spec(const ModelConfig& c, const ForwardScratch& s, int32_t n_heads, int32_t l) {
  backend::RopeSpec r;
  r.n_heads = n_heads;
  r.head_dim = c.head_dim;
  r.n_rot = c.n_rot;
  r.layout = c.rope_layout;
  r.freq = c.local_rope(l) ? s.rope_freq_local.data() : s.rope_freq.data();
  return r;
}

// Per-head RMSNorm in place: vec [n_vecs][head_dim], weight [head_dim] (Qwen3 q/k norm).
void head_norm(const ModelConfig& c, backend::Backend& be, const core::TensorView& weight, float* vec, int64_t n_vecs) {
  be.rms_norm(vec, vec, weight.f32(), n_vecs, c.head_dim, c.norm_eps);
}

}  // namespace

void embed(const ModelConfig& c, const ModelWeights& w, backend::Backend& be, ForwardScratch& s,
           std::span<const int32_t> tokens) {
  const size_t D = static_cast<size_t>(c.n_embd);
  size_t t = 0;
  while (t < tokens.size()) {
    if (tokens[t] == kSinkTokenId) {
      if (w.sink_token_embd.empty()) throw Error(ErrorKind::kInvalidArg, "the model has no sink token embedding");
      std::copy_n(w.sink_token_embd.f32(), c.n_embd, s.x.data() + t * D);
      ++t;
      continue;
    }
    size_t end = t;  // a run of ordinary tokens: one backend call
    while (end < tokens.size() && tokens[end] != kSinkTokenId) {
      s.ids[end] = tokens[end];
      ++end;
    }
    be.embedding_rows(w.tok_embd, s.ids.data() + t, static_cast<int64_t>(end - t), s.x.data() + t * D);
    if (c.embed_scale > 0.0f) {  // Gemma: the rows times sqrt(n_embd), rounded to f32 as transformers does
      for (size_t i = t * D; i < end * D; ++i) s.x[i] *= c.embed_scale;
    }
    t = end;
  }
}

void add_learned_positions(const ModelConfig& c, const ModelWeights& w, backend::Backend& be, ForwardScratch& s,
                           int64_t T) {
  const core::TensorView& table = w.pos_embd;
  for (const ChunkSegment& g : s.segments) {
    if (g.pos0 < 0 || g.pos0 + g.n > table.rows) {
      throw Error(ErrorKind::kRange, "position " + std::to_string(g.pos0 + g.n - 1) + " is past the model's " +
                                         std::to_string(table.rows) +
                                         " learned positions (" + table.name +
                                         "): use a dense or recompute cache within the trained context");
    }
    for (int64_t j = 0; j < g.n; ++j) s.ids[static_cast<size_t>(g.row0 + j)] = g.pos0 + j;
  }
  be.embedding_rows(table, s.ids.data(), T, s.xb.data());  // xb is free before the first layer
  be.add(s.x.data(), s.xb.data(), T * c.n_embd);
}

void norm_rows(const ModelConfig& c, backend::Backend& be, const core::TensorView& weight, const core::TensorView& bias,
               const float* in, float* out, int64_t T) {
  if (c.norm == NormKind::kRms) be.rms_norm(out, in, weight.f32(), T, c.n_embd, c.norm_eps);
  else be.layer_norm(out, in, weight.f32(), bias.empty() ? nullptr : bias.f32(), T, c.n_embd, c.norm_eps);
}

void prepare_chunk(const ModelConfig& c, cache::KvCache& cache, ForwardScratch& s, int64_t pos0, int64_t T) {
  s.segments.assign(1, ChunkSegment{&cache, pos0, 0, T});
  prepare_segments(c, s, T);
}

void prepare_segments(const ModelConfig& c, ForwardScratch& s, int64_t T) {
  const int32_t n_groups = s.segments.front().cache->n_groups();
  for (const ChunkSegment& g : s.segments) {
    if (g.n > g.cache->chunk_limit()) {
      throw Error(ErrorKind::kInvalidArg, "chunk of " + std::to_string(g.n) + " tokens exceeds the cache's limit of " +
                                              std::to_string(g.cache->chunk_limit()));
    }
    if (g.cache->n_groups() != n_groups) {
      throw Error(ErrorKind::kInvalidArg, "forward_segments: the sessions' caches have different layer plans");
    }
  }
  if (s.groups.size() != static_cast<size_t>(n_groups)) {
    s.groups.resize(static_cast<size_t>(n_groups));
    for (ForwardScratch::GroupChunk& g : s.groups) g.resize(static_cast<size_t>(s.capacity));
  }
  s.reserve(T);
  const size_t QD = static_cast<size_t>(c.q_dim());
  for (int32_t gi = 0; gi < n_groups; ++gi) {
    ForwardScratch::GroupChunk& g = s.groups[static_cast<size_t>(gi)];
    for (const ChunkSegment& seg : s.segments) {  // each row's token goes to its own session's cache
      cache::KvCache& cache = *seg.cache;
      for (int64_t j = 0; j < seg.n; ++j) g.place[static_cast<size_t>(seg.row0 + j)] = cache.append(gi, seg.pos0 + j);
      for (int64_t j = 0; j < seg.n; ++j) {
        const size_t ti = static_cast<size_t>(seg.row0 + j);
        cache.spans(gi, seg.pos0 + j, &g.spans[ti]);
        auto& qp = g.qpos[ti];
        qp.clear();
        for (const backend::KvSpan& sp : g.spans[ti]) {
          if (std::find(qp.begin(), qp.end(), sp.q_rot_pos) == qp.end()) qp.push_back(sp.q_rot_pos);
        }
        g.qrot[ti].resize(qp.size() * QD);
        g.qptr[ti].resize(g.spans[ti].size());
        for (size_t i = 0; i < g.spans[ti].size(); ++i) {
          const size_t qi = static_cast<size_t>(std::find(qp.begin(), qp.end(), g.spans[ti][i].q_rot_pos) - qp.begin());
          g.qptr[ti][i] = g.qrot[ti].data() + qi * QD;
        }
        g.views[ti] = {g.spans[ti].data(), static_cast<int32_t>(g.spans[ti].size()), g.qptr[ti].data()};
      }
    }
  }
}

void attention_block(const ModelConfig& c, const LayerWeights& L, int32_t l, backend::Backend& be, ForwardScratch& s,
                     const float* in, int64_t T) {
  const size_t QD = static_cast<size_t>(c.q_dim()), KVD = static_cast<size_t>(c.kv_dim());
  {  // q, k, v in one pass over the input (one activation quantization, one pool sync)
    const core::TensorView* ws[3] = {&L.wq, &L.wk, &L.wv};
    const core::TensorView* bs[3] = {&L.bq, &L.bk, &L.bv};
    float* ys[3] = {s.q.data(), s.k.data(), s.v.data()};
    be.matmul_multi(ws, in, ys, 3, T, bs);
  }
  if (!L.q_norm.empty()) head_norm(c, be, L.q_norm, s.q.data(), T * c.n_head);
  if (!L.k_norm.empty()) head_norm(c, be, L.k_norm, s.k.data(), T * c.n_head_kv);

  const bool rope = c.positions == PositionKind::kRope;
  // The layer's group of every session's cache (the same layer plan for all: one model).
  ForwardScratch::GroupChunk& g = s.groups[static_cast<size_t>(s.segments.front().cache->group_of(l))];
  // Keys: the policy writes each one (and may re-rotate, as the naive test oracle does).
  const backend::RopeSpec key_rope = rope_spec(c, s, c.n_head_kv, l);
  const cache::KeyRotator rotate = rope ? cache::KeyRotator([&](float* kk, int64_t pos) {
    be.rope(key_rope, &kk, &pos, 1);
  })
                                 : cache::KeyRotator();
  s.rope_rows.clear();
  s.rope_pos.clear();
  for (const ChunkSegment& seg : s.segments) {  // each row's key goes to its own session's cache
    for (int64_t t = seg.row0; t < seg.row0 + seg.n; ++t) {
      const size_t ti = static_cast<size_t>(t);
      seg.cache->write(l, g.place[ti], s.k.data() + ti * KVD, s.v.data() + ti * KVD, rotate);
      for (size_t qi = 0; qi < g.qpos[ti].size(); ++qi) {
        float* dst = g.qrot[ti].data() + qi * QD;
        std::copy_n(s.q.data() + ti * QD, QD, dst);
        s.rope_rows.push_back(dst);
        s.rope_pos.push_back(g.qpos[ti][qi]);
      }
    }
  }
  // Queries: every (token, distinct span position) row of the chunk in one call.
  if (rope) be.rope(rope_spec(c, s, c.n_head, l), s.rope_rows.data(), s.rope_pos.data(), static_cast<int64_t>(s.rope_rows.size()));
  backend::AttentionArgs aa;
  aa.layer = l;
  aa.n_head = c.n_head;
  aa.n_head_kv = c.n_head_kv;
  aa.head_dim = c.head_dim;
  aa.scale = c.attn_scale > 0.0f ? c.attn_scale : 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  aa.softcap = c.attn_softcap;
  // LongRoPE and YaRN scale cos and sin of q and k by their attention factor: every score by its square.
  if (rope && !c.local_rope(l)) {
    const auto f = static_cast<float>(c.rope_scaling.attention_factor());
    aa.scale *= f * f;
  }
  aa.sink_logits = L.attn_sinks.empty() ? nullptr : L.attn_sinks.f32();
  aa.zero_sink_logit = c.attn_softmax_one;
  if (c.positions == PositionKind::kAlibi) aa.alibi_slopes = s.alibi.data();
  aa.probe = s.probe;
  for (const ChunkSegment& seg : s.segments) {  // each row attends to its own session's cache
    aa.kv = seg.cache->view(l);
    be.attention(aa, std::span<const backend::QueryView>(g.views.data() + seg.row0, static_cast<size_t>(seg.n)),
                 s.att.data() + static_cast<size_t>(seg.row0) * QD);
  }
  if (!L.attn_gate.empty()) {
    // Head-wise output gate (sinklab "gate"): o_h *= sigmoid(in · Wg[h]), one scalar per head and token.
    be.matmul(L.attn_gate, in, s.gate.data(), T);
    be.head_gate(s.att.data(), s.gate.data(), T, c.n_head, c.head_dim);
  }
  be.matmul(L.wo, s.att.data(), s.proj.data(), T, &L.bo);
}

void ffn_block(const ModelConfig& c, const LayerWeights& L, backend::Backend& be, ForwardScratch& s, const float* in,
               int64_t T) {
  if (c.n_expert > 0) return moe_block(c, L, be, s, in, T);
  const int64_t n = T * c.n_ff;
  if (c.ffn == FfnKind::kSwiGlu) {
    const core::TensorView* ws[2] = {&L.ffn_gate, &L.ffn_up};
    const core::TensorView* bs[2] = {nullptr, &L.ffn_up_b};
    float* ys[2] = {s.hb.data(), s.hb2.data()};
    be.matmul_multi(ws, in, ys, 2, T, bs);
    be.silu_mul(s.hb.data(), s.hb2.data(), n);
  } else if (c.ffn == FfnKind::kGeGlu) {
    const core::TensorView* ws[2] = {&L.ffn_gate, &L.ffn_up};
    const core::TensorView* bs[2] = {nullptr, &L.ffn_up_b};
    float* ys[2] = {s.hb.data(), s.hb2.data()};
    be.matmul_multi(ws, in, ys, 2, T, bs);
    be.gelu_mul(s.hb.data(), s.hb2.data(), n);
  } else if (c.ffn == FfnKind::kGelu) {
    be.matmul(L.ffn_up, in, s.hb.data(), T, &L.ffn_up_b);
    be.gelu(s.hb.data(), n);
  } else {
    be.matmul(L.ffn_up, in, s.hb.data(), T, &L.ffn_up_b);
    be.gelu_erf(s.hb.data(), n);
  }
  be.matmul(L.ffn_down, s.hb.data(), s.proj.data(), T, &L.ffn_down_b);
}

void sequential_layer(const ModelConfig& c, const LayerWeights& L, int32_t l, backend::Backend& be, ForwardScratch& s,
                      int64_t T) {
  const int64_t n = T * c.n_embd;
  norm_rows(c, be, L.attn_norm, L.attn_norm_b, s.x.data(), s.xb.data(), T);
  attention_block(c, L, l, be, s, s.xb.data(), T);
  if (!L.attn_post_norm.empty()) norm_rows(c, be, L.attn_post_norm, core::TensorView(), s.proj.data(), s.proj.data(), T);
  be.add(s.x.data(), s.proj.data(), n);
  norm_rows(c, be, L.ffn_norm, L.ffn_norm_b, s.x.data(), s.xb.data(), T);
  ffn_block(c, L, be, s, s.xb.data(), T);
  if (!L.ffn_post_norm.empty()) norm_rows(c, be, L.ffn_post_norm, core::TensorView(), s.proj.data(), s.proj.data(), T);
  be.add(s.x.data(), s.proj.data(), n);
}

void parallel_layer(const ModelConfig& c, const LayerWeights& L, int32_t l, backend::Backend& be, ForwardScratch& s,
                    int64_t T) {
  const int64_t n = T * c.n_embd;
  norm_rows(c, be, L.attn_norm, L.attn_norm_b, s.x.data(), s.xb.data(), T);
  const float* ffn_in = s.xb.data();
  if (!L.ffn_norm.empty()) {
    norm_rows(c, be, L.ffn_norm, L.ffn_norm_b, s.x.data(), s.xb2.data(), T);  // from x before the attention adds
    ffn_in = s.xb2.data();
  }
  attention_block(c, L, l, be, s, s.xb.data(), T);
  be.add(s.x.data(), s.proj.data(), n);
  ffn_block(c, L, be, s, ffn_in, T);
  be.add(s.x.data(), s.proj.data(), n);
}

void decoder_forward(const ModelConfig& c, const ModelWeights& w, cache::KvCache& cache, backend::Backend& be, ForwardScratch& s,
                     std::span<const int32_t> tokens, int64_t pos0, float* logits, bool all_logits, Residual r) {
  const int64_t T = static_cast<int64_t>(tokens.size());
  if (T == 0) return;
  s.select_rope(pos0 + T);
  prepare_chunk(c, cache, s, pos0, T);
  run_layers(c, w, be, s, tokens, r);
  if (logits == nullptr) return;
  output_logits(c, w, be, s, T, all_logits ? 0 : T - 1, logits);
}

void segments_forward(const ModelConfig& c, const ModelWeights& w, backend::Backend& be, ForwardScratch& s,
                      std::span<const ChunkSegment> segments, std::span<const int32_t> tokens, float* logits,
                      Residual r) {
  const int64_t T = static_cast<int64_t>(tokens.size());
  int64_t row = 0;
  for (const ChunkSegment& g : segments) {
    if (g.cache == nullptr || g.n < 1 || g.row0 != row) {
      throw Error(ErrorKind::kInvalidArg, "forward_segments: segments must cover the rows in order, each non-empty");
    }
    row += g.n;
  }
  if (row != T) throw Error(ErrorKind::kInvalidArg, "forward_segments: segments cover " + std::to_string(row) +
                                                        " rows but " + std::to_string(T) + " tokens were given");
  if (s.probe != nullptr || s.layer_hook != nullptr) {
    throw Error(ErrorKind::kUnsupported, "forward_segments: analysis probes run one session at a time");
  }
  if (T == 0) return;
  if (!s.rope_freq_long.empty()) {  // LongRoPE: one factor list for the whole pass
    const auto end = [](const ChunkSegment& g) { return g.call_end >= 0 ? g.call_end : g.pos0 + g.n; };
    const int64_t orig = c.rope_scaling.original_context;
    const bool long0 = end(segments[0]) > orig;
    for (const ChunkSegment& g : segments) {
      if ((end(g) > orig) != long0) {
        throw Error(ErrorKind::kInvalidArg, "forward_segments: segments on both sides of LongRoPE's original context (" +
                                                std::to_string(orig) + " tokens): run them in separate calls");
      }
    }
    s.call_end = -1;
    s.select_rope(end(segments[0]));
  }
  s.segments.assign(segments.begin(), segments.end());
  prepare_segments(c, s, T);
  run_layers(c, w, be, s, tokens, r);
  // Final norm of each segment's last row, gathered into xb, then one classifier call.
  const size_t D = static_cast<size_t>(c.n_embd);
  for (size_t i = 0; i < segments.size(); ++i) {
    const ChunkSegment& g = segments[i];
    norm_rows(c, be, w.output_norm, w.output_norm_b, s.x.data() + static_cast<size_t>(g.row0 + g.n - 1) * D,
              s.xb.data() + i * D, 1);
  }
  be.matmul(w.output, s.xb.data(), logits, static_cast<int64_t>(segments.size()));
  soft_cap_logits(c, logits, static_cast<int64_t>(segments.size()));
}

void run_layers(const ModelConfig& c, const ModelWeights& w, backend::Backend& be, ForwardScratch& s,
                std::span<const int32_t> tokens, Residual r) {
  const int64_t T = static_cast<int64_t>(tokens.size());
  embed(c, w, be, s, tokens);
  if (c.positions == PositionKind::kLearned) add_learned_positions(c, w, be, s, T);
  for (int32_t l = 0; l < c.n_layer; ++l) {
    const LayerWeights& L = w.layers[static_cast<size_t>(l)];
    if (r == Residual::kParallel) parallel_layer(c, L, l, be, s, T);
    else sequential_layer(c, L, l, be, s, T);
    after_layer(s, l, s.segments.front().pos0, T);
  }
}

void after_layer(ForwardScratch& s, int32_t l, int64_t pos0, int64_t T) {
  if (s.layer_hook != nullptr) s.layer_hook->after_layer(l, pos0, T, s.x.data());
}

void output_logits(const ModelConfig& c, const ModelWeights& w, backend::Backend& be, ForwardScratch& s, int64_t T,
                   int64_t first, float* out) {
  const size_t D = static_cast<size_t>(c.n_embd);
  const int64_t rows = T - first;
  norm_rows(c, be, w.output_norm, w.output_norm_b, s.x.data() + static_cast<size_t>(first) * D, s.xb.data(), rows);
  be.matmul(w.output, s.xb.data(), out, rows);
  soft_cap_logits(c, out, rows);
}

void soft_cap_logits(const ModelConfig& c, float* out, int64_t rows) {
  if (c.final_softcap <= 0.0f) return;  // Gemma 2: logits capped as cap * tanh(logit / cap)
  const float cap = c.final_softcap;
  const size_t n = static_cast<size_t>(rows) * static_cast<size_t>(c.n_vocab);
  for (size_t i = 0; i < n; ++i) out[i] = cap * std::tanh(out[i] / cap);
}

}  // namespace blocks
}  // namespace sinkstream::model
