#include "model/blocks.hpp"

#include <algorithm>
#include <cmath>

#include "backend/cpu/ops.hpp"
#include "model/positions.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {

ForwardScratch::ForwardScratch(const ModelConfig& c)
    : cfg(&c),
      rope_cos(static_cast<size_t>(std::max(1, c.n_rot / 2))),
      rope_sin(static_cast<size_t>(std::max(1, c.n_rot / 2))),
      rope_freq(rope_frequencies(c)),
      alibi(c.positions == PositionKind::kAlibi ? alibi_slopes(c) : std::vector<float>()) {
  reserve(1);
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
  place.resize(t);
  spans.resize(t);
  qpos.resize(t);
  qrot.resize(t);
  qptr.resize(t);
  views.resize(t);
  capacity = T;
}

namespace blocks {

namespace {

// Rotates n_heads head vectors of `vec` at `pos` (scratch angle buffers and the
// frequency table in s).
void rope_heads(const ModelConfig& c, ForwardScratch& s, float* vec, int32_t n_heads, int64_t pos) {
  std::vector<float>& cos_t = s.rope_cos;
  std::vector<float>& sin_t = s.rope_sin;
  cpu::rope_angles_freq(pos, s.rope_freq.data(), c.n_rot / 2, cos_t.data(), sin_t.data());
  for (int32_t h = 0; h < n_heads; ++h) {
    cpu::rope_apply(vec + static_cast<size_t>(h) * static_cast<size_t>(c.head_dim), c.n_rot, c.rope_layout,
                    cos_t.data(), sin_t.data());
  }
}

// Per-head RMSNorm in place: vec [n_vecs][head_dim], weight [head_dim] (Qwen3 q/k norm).
void head_norm(const ModelConfig& c, const TensorView& weight, float* vec, int64_t n_vecs) {
  const int64_t hd = c.head_dim;
  for (int64_t i = 0; i < n_vecs; ++i) cpu::rmsnorm(vec + i * hd, vec + i * hd, weight.f32(), hd, c.norm_eps);
}

}  // namespace

void embed(const ModelConfig& c, const ModelWeights& w, ForwardScratch& s, std::span<const int32_t> tokens) {
  for (size_t t = 0; t < tokens.size(); ++t) {
    float* dst = s.x.data() + t * static_cast<size_t>(c.n_embd);
    if (tokens[t] == kSinkTokenId) {
      if (w.sink_token_embd.empty()) throw Error(ErrorKind::kInvalidArg, "the model has no sink token embedding");
      std::copy_n(w.sink_token_embd.f32(), c.n_embd, dst);
      continue;
    }
    cpu::embedding_row(w.tok_embd, tokens[t], dst);
  }
}

void add_learned_positions(const ModelConfig& c, const ModelWeights& w, ForwardScratch& s, int64_t pos0, int64_t T) {
  const TensorView& table = w.pos_embd;
  if (pos0 < 0 || pos0 + T > table.rows) {
    throw Error(ErrorKind::kRange, "position " + std::to_string(pos0 + T - 1) + " is past the model's " +
                                       std::to_string(table.rows) +
                                       " learned positions (" + table.name +
                                       "): use a dense or recompute cache within the trained context");
  }
  const size_t D = static_cast<size_t>(c.n_embd);
  std::vector<float> row(D);
  for (int64_t t = 0; t < T; ++t) {
    cpu::embedding_row(table, pos0 + t, row.data());
    add_rows(s.x.data() + static_cast<size_t>(t) * D, row.data(), c.n_embd);
  }
}

void norm_rows(const ModelConfig& c, const TensorView& weight, const TensorView& bias, const float* in, float* out,
               int64_t T) {
  const int64_t n = c.n_embd;
  for (int64_t t = 0; t < T; ++t) {
    if (c.norm == NormKind::kRms) {
      cpu::rmsnorm(out + t * n, in + t * n, weight.f32(), n, c.norm_eps);
    } else {
      cpu::layernorm(out + t * n, in + t * n, weight.f32(), bias.empty() ? nullptr : bias.f32(), n, c.norm_eps);
    }
  }
}

void prepare_chunk(const ModelConfig& c, cache::KvCache& cache, ForwardScratch& s, int64_t pos0, int64_t T) {
  if (T > cache.chunk_limit()) {
    throw Error(ErrorKind::kInvalidArg, "chunk of " + std::to_string(T) + " tokens exceeds the cache's limit of " +
                                            std::to_string(cache.chunk_limit()));
  }
  s.reserve(T);
  const size_t QD = static_cast<size_t>(c.q_dim());
  for (int64_t t = 0; t < T; ++t) s.place[static_cast<size_t>(t)] = cache.append(pos0 + t);
  for (int64_t t = 0; t < T; ++t) {
    const size_t ti = static_cast<size_t>(t);
    cache.spans(pos0 + t, &s.spans[ti]);
    auto& qp = s.qpos[ti];
    qp.clear();
    for (const backend::KvSpan& sp : s.spans[ti]) {
      if (std::find(qp.begin(), qp.end(), sp.q_rot_pos) == qp.end()) qp.push_back(sp.q_rot_pos);
    }
    s.qrot[ti].resize(qp.size() * QD);
    s.qptr[ti].resize(s.spans[ti].size());
    for (size_t i = 0; i < s.spans[ti].size(); ++i) {
      const size_t qi = static_cast<size_t>(std::find(qp.begin(), qp.end(), s.spans[ti][i].q_rot_pos) - qp.begin());
      s.qptr[ti][i] = s.qrot[ti].data() + qi * QD;
    }
    s.views[ti] = {s.spans[ti].data(), static_cast<int32_t>(s.spans[ti].size()), s.qptr[ti].data()};
  }
}

void attention_block(const ModelConfig& c, const LayerWeights& L, int32_t l, cache::KvCache& cache, ThreadPool& pool,
                     ForwardScratch& s, const float* in, int64_t T) {
  const size_t QD = static_cast<size_t>(c.q_dim()), KVD = static_cast<size_t>(c.kv_dim());
  {  // q, k, v in one pass over the input (one activation quantization, one pool sync)
    const TensorView* ws[3] = {&L.wq, &L.wk, &L.wv};
    const TensorView* bs[3] = {&L.bq, &L.bk, &L.bv};
    float* ys[3] = {s.q.data(), s.k.data(), s.v.data()};
    cpu::matmul_multi(ws, in, ys, 3, T, pool, bs);
  }
  if (!L.q_norm.empty()) head_norm(c, L.q_norm, s.q.data(), T * c.n_head);
  if (!L.k_norm.empty()) head_norm(c, L.k_norm, s.k.data(), T * c.n_head_kv);

  const bool rope = c.positions == PositionKind::kRope;
  const cache::KeyRotator rotate = rope ? cache::KeyRotator([&](float* kk, int64_t pos) {
    rope_heads(c, s, kk, c.n_head_kv, pos);
  })
                                 : cache::KeyRotator();
  for (int64_t t = 0; t < T; ++t) {
    const size_t ti = static_cast<size_t>(t);
    cache.write(l, s.place[ti], s.k.data() + ti * KVD, s.v.data() + ti * KVD, rotate);
    for (size_t qi = 0; qi < s.qpos[ti].size(); ++qi) {
      float* dst = s.qrot[ti].data() + qi * QD;
      std::copy_n(s.q.data() + ti * QD, QD, dst);
      if (rope) rope_heads(c, s, dst, c.n_head, s.qpos[ti][qi]);
    }
  }
  cpu::AttentionArgs aa;
  aa.layer = l;
  aa.n_head = c.n_head;
  aa.n_head_kv = c.n_head_kv;
  aa.head_dim = c.head_dim;
  aa.scale = c.attn_scale > 0.0f ? c.attn_scale : 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  aa.kv = cache.view();
  aa.sink_logits = L.attn_sinks.empty() ? nullptr : L.attn_sinks.f32();
  aa.zero_sink_logit = c.attn_softmax_one;
  if (c.positions == PositionKind::kAlibi) aa.alibi_slopes = s.alibi.data();
  aa.probe = s.probe;
  std::vector<cpu::QueryView> views(s.views.begin(), s.views.begin() + T);
  cpu::attention(aa, views, s.att.data(), pool);
  if (!L.attn_gate.empty()) {
    // Head-wise output gate (sinklab "gate"): o_h *= sigmoid(in · Wg[h]), one scalar per head and token.
    cpu::matmul(L.attn_gate, in, s.gate.data(), T, pool);
    for (int64_t t = 0; t < T; ++t) {
      for (int32_t h = 0; h < c.n_head; ++h) {
        const float g = 1.0f / (1.0f + std::exp(-s.gate[static_cast<size_t>(t * c.n_head + h)]));
        float* o = s.att.data() + static_cast<size_t>(t) * QD + static_cast<size_t>(h) * static_cast<size_t>(c.head_dim);
        for (int32_t d = 0; d < c.head_dim; ++d) o[d] *= g;
      }
    }
  }
  cpu::matmul(L.wo, s.att.data(), s.proj.data(), T, pool, &L.bo);
}

void ffn_block(const ModelConfig& c, const LayerWeights& L, ThreadPool& pool, ForwardScratch& s, const float* in,
               int64_t T) {
  const size_t n = static_cast<size_t>(T) * static_cast<size_t>(c.n_ff);
  if (c.ffn == FfnKind::kSwiGlu) {
    const TensorView* ws[2] = {&L.ffn_gate, &L.ffn_up};
    const TensorView* bs[2] = {nullptr, &L.ffn_up_b};
    float* ys[2] = {s.hb.data(), s.hb2.data()};
    cpu::matmul_multi(ws, in, ys, 2, T, pool, bs);
    for (size_t i = 0; i < n; ++i) s.hb[i] = cpu::silu(s.hb[i]) * s.hb2[i];
  } else if (c.ffn == FfnKind::kGelu) {
    cpu::matmul(L.ffn_up, in, s.hb.data(), T, pool, &L.ffn_up_b);
    for (size_t i = 0; i < n; ++i) s.hb[i] = cpu::gelu(s.hb[i]);
  } else {
    cpu::matmul(L.ffn_up, in, s.hb.data(), T, pool, &L.ffn_up_b);
    for (size_t i = 0; i < n; ++i) s.hb[i] = cpu::gelu_erf(s.hb[i]);
  }
  cpu::matmul(L.ffn_down, s.hb.data(), s.proj.data(), T, pool, &L.ffn_down_b);
}

void sequential_layer(const ModelConfig& c, const LayerWeights& L, int32_t l, cache::KvCache& cache, ThreadPool& pool,
                      ForwardScratch& s, int64_t T) {
  const int64_t n = T * c.n_embd;
  norm_rows(c, L.attn_norm, L.attn_norm_b, s.x.data(), s.xb.data(), T);
  attention_block(c, L, l, cache, pool, s, s.xb.data(), T);
  add_rows(s.x.data(), s.proj.data(), n);
  norm_rows(c, L.ffn_norm, L.ffn_norm_b, s.x.data(), s.xb.data(), T);
  ffn_block(c, L, pool, s, s.xb.data(), T);
  add_rows(s.x.data(), s.proj.data(), n);
}

void parallel_layer(const ModelConfig& c, const LayerWeights& L, int32_t l, cache::KvCache& cache, ThreadPool& pool,
                    ForwardScratch& s, int64_t T) {
  const int64_t n = T * c.n_embd;
  norm_rows(c, L.attn_norm, L.attn_norm_b, s.x.data(), s.xb.data(), T);
  const float* ffn_in = s.xb.data();
  if (!L.ffn_norm.empty()) {
    norm_rows(c, L.ffn_norm, L.ffn_norm_b, s.x.data(), s.xb2.data(), T);  // from x before the attention adds
    ffn_in = s.xb2.data();
  }
  attention_block(c, L, l, cache, pool, s, s.xb.data(), T);
  add_rows(s.x.data(), s.proj.data(), n);
  ffn_block(c, L, pool, s, ffn_in, T);
  add_rows(s.x.data(), s.proj.data(), n);
}

void decoder_forward(const ModelConfig& c, const ModelWeights& w, cache::KvCache& cache, ThreadPool& pool, ForwardScratch& s,
                     std::span<const int32_t> tokens, int64_t pos0, float* logits, bool all_logits, Residual r) {
  const int64_t T = static_cast<int64_t>(tokens.size());
  if (T == 0) return;
  prepare_chunk(c, cache, s, pos0, T);
  embed(c, w, s, tokens);
  if (c.positions == PositionKind::kLearned) add_learned_positions(c, w, s, pos0, T);
  for (int32_t l = 0; l < c.n_layer; ++l) {
    const LayerWeights& L = w.layers[static_cast<size_t>(l)];
    if (r == Residual::kParallel) parallel_layer(c, L, l, cache, pool, s, T);
    else sequential_layer(c, L, l, cache, pool, s, T);
    after_layer(s, l, pos0, T);
  }
  if (logits == nullptr) return;
  output_logits(c, w, pool, s, T, all_logits ? 0 : T - 1, logits);
}

void after_layer(ForwardScratch& s, int32_t l, int64_t pos0, int64_t T) {
  if (s.layer_hook != nullptr) s.layer_hook->after_layer(l, pos0, T, s.x.data());
}

void add_rows(float* x, const float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] += y[i];
}

void output_logits(const ModelConfig& c, const ModelWeights& w, ThreadPool& pool, ForwardScratch& s, int64_t T,
                   int64_t first, float* out) {
  const size_t D = static_cast<size_t>(c.n_embd);
  const int64_t rows = T - first;
  norm_rows(c, w.output_norm, w.output_norm_b, s.x.data() + static_cast<size_t>(first) * D, s.xb.data(), rows);
  cpu::matmul(w.output, s.xb.data(), out, rows, pool);
}

}  // namespace blocks
}  // namespace sinkstream
