// The llama family: pre-RMSNorm blocks, RoPE attention with grouped-query heads,
// SwiGLU feed-forward, tied or separate classifier (Llama 2/3, TinyLlama, SmolLM,
// llama2.c checkpoints).
#include <algorithm>
#include <cmath>

#include "backend/cpu/attention.hpp"
#include "backend/cpu/ops.hpp"
#include "model/forward.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {

ForwardScratch::ForwardScratch(const ModelConfig& c)
    : x(static_cast<size_t>(c.n_embd)),
      xb(static_cast<size_t>(c.n_embd)),
      q(static_cast<size_t>(c.q_dim())),
      k(static_cast<size_t>(c.kv_dim())),
      v(static_cast<size_t>(c.kv_dim())),
      att(static_cast<size_t>(c.q_dim())),
      proj(static_cast<size_t>(c.n_embd)),
      hb(static_cast<size_t>(c.n_ff)),
      hb2(static_cast<size_t>(c.n_ff)),
      rope_cos(static_cast<size_t>(std::max(1, c.n_rot / 2))),
      rope_sin(static_cast<size_t>(std::max(1, c.n_rot / 2))) {}

namespace {

// Rotates every head of `vec` ([n_heads * head_dim]) at position `pos`.
void rope_heads(const ModelConfig& c, ForwardScratch& s, float* vec, int32_t n_heads, int64_t pos) {
  cpu::rope_angles(pos, c.rope_theta, c.n_rot, s.rope_cos.data(), s.rope_sin.data());
  for (int32_t h = 0; h < n_heads; ++h) {
    cpu::rope_apply(vec + static_cast<size_t>(h) * static_cast<size_t>(c.head_dim), c.n_rot, c.rope_layout,
                    s.rope_cos.data(), s.rope_sin.data());
  }
}

}  // namespace

void llama_forward(const ModelConfig& c, const ModelWeights& w, KvCache& cache, ThreadPool& pool,
                   ForwardScratch& s, int32_t token, int64_t pos, float* logits) {
  const int32_t D = c.n_embd, QD = c.q_dim(), KVD = c.kv_dim();
  cpu::embedding_row(w.tok_embd, token, s.x.data());

  const KvPlacement place = cache.append(pos);
  cache.spans(pos, &s.spans);
  // Distinct query rotation positions (dense: 1; sink: 2).
  std::vector<int64_t> qpos;
  for (const KvSpan& sp : s.spans) {
    if (std::find(qpos.begin(), qpos.end(), sp.q_rot_pos) == qpos.end()) qpos.push_back(sp.q_rot_pos);
  }
  s.qrot.resize(qpos.size() * static_cast<size_t>(QD));
  s.q_per_span.resize(s.spans.size());
  for (size_t i = 0; i < s.spans.size(); ++i) {
    const size_t qi = static_cast<size_t>(std::find(qpos.begin(), qpos.end(), s.spans[i].q_rot_pos) - qpos.begin());
    s.q_per_span[i] = s.qrot.data() + qi * static_cast<size_t>(QD);
  }

  cpu::AttentionArgs aa;
  aa.n_head = c.n_head;
  aa.n_head_kv = c.n_head_kv;
  aa.head_dim = c.head_dim;
  aa.scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  aa.cache = &cache;
  aa.spans = &s.spans;
  aa.q_per_span = &s.q_per_span;

  for (int32_t l = 0; l < c.n_layer; ++l) {
    const LayerWeights& L = w.layers[static_cast<size_t>(l)];
    cpu::rmsnorm(s.xb.data(), s.x.data(), L.attn_norm.f32(), D, c.norm_eps);
    cpu::matvec(L.wq, s.xb.data(), s.q.data(), pool, &L.bq);
    cpu::matvec(L.wk, s.xb.data(), s.k.data(), pool, &L.bk);
    cpu::matvec(L.wv, s.xb.data(), s.v.data(), pool, &L.bv);

    rope_heads(c, s, s.k.data(), c.n_head_kv, place.rot_pos);
    std::copy(s.k.begin(), s.k.end(), cache.k(l, place.slot));
    std::copy(s.v.begin(), s.v.end(), cache.v(l, place.slot));
    for (size_t qi = 0; qi < qpos.size(); ++qi) {
      float* dst = s.qrot.data() + qi * static_cast<size_t>(QD);
      std::copy(s.q.begin(), s.q.end(), dst);
      rope_heads(c, s, dst, c.n_head, qpos[qi]);
    }
    aa.layer = l;
    cpu::attention(aa, s.att.data(), pool);
    cpu::matvec(L.wo, s.att.data(), s.proj.data(), pool, &L.bo);
    for (int32_t i = 0; i < D; ++i) s.x[static_cast<size_t>(i)] += s.proj[static_cast<size_t>(i)];

    cpu::rmsnorm(s.xb.data(), s.x.data(), L.ffn_norm.f32(), D, c.norm_eps);
    cpu::matvec(L.ffn_gate, s.xb.data(), s.hb.data(), pool);
    cpu::matvec(L.ffn_up, s.xb.data(), s.hb2.data(), pool);
    for (int32_t i = 0; i < c.n_ff; ++i) {
      s.hb[static_cast<size_t>(i)] = cpu::silu(s.hb[static_cast<size_t>(i)]) * s.hb2[static_cast<size_t>(i)];
    }
    cpu::matvec(L.ffn_down, s.hb.data(), s.proj.data(), pool);
    for (int32_t i = 0; i < D; ++i) s.x[static_cast<size_t>(i)] += s.proj[static_cast<size_t>(i)];
  }
  (void)KVD;
  if (logits == nullptr) return;
  cpu::rmsnorm(s.xb.data(), s.x.data(), w.output_norm.f32(), D, c.norm_eps);
  cpu::matvec(w.output, s.xb.data(), logits, pool);
}

}  // namespace sinkstream
