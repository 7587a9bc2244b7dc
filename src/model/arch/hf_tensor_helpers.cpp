#include "model/arch/hf_tensor_helpers.hpp"

#include "sinkstream/error.hpp"

namespace sinkstream::model::arch {

void set_output(io::HfTensors& t, ModelConfig& c, model::ModelWeights& w, const std::string& lm_head) {
  if (t.has(lm_head)) {
    w.output = t.matrix(lm_head, c.n_vocab, c.n_embd);
    c.tied_embeddings = false;
  } else {
    w.output = w.tok_embd;
    c.tied_embeddings = true;
  }
}

Qkv split_per_head_qkv(io::HfTensors& t, const std::string& name, int32_t n_head, int32_t head_dim, int64_t cols,
                       bool bias) {
  const int64_t n = static_cast<int64_t>(n_head) * head_dim;
  const int64_t C = bias ? 1 : cols;
  const std::vector<float> fused = bias ? t.f32(name, -1, 3 * n) : t.f32(name, 3 * n, cols);
  std::vector<float> part[3];
  for (auto& p : part) p.reserve(static_cast<size_t>(n * C));
  // Fused row r = (h * 3 + which) * head_dim + d.
  for (int32_t h = 0; h < n_head; ++h) {
    for (int which = 0; which < 3; ++which) {
      const size_t r0 = static_cast<size_t>((static_cast<int64_t>(h) * 3 + which) * head_dim);
      const float* src = fused.data() + r0 * static_cast<size_t>(C);
      part[which].insert(part[which].end(), src, src + static_cast<size_t>(head_dim * C));
    }
  }
  Qkv out;
  const int64_t rows = bias ? 1 : n, cc = bias ? n : cols;
  out.q = t.own(name + "[q]", std::move(part[0]), rows, cc);
  out.k = t.own(name + "[k]", std::move(part[1]), rows, cc);
  out.v = t.own(name + "[v]", std::move(part[2]), rows, cc);
  return out;
}

void set_per_head_qkv(io::HfTensors& t, model::LayerWeights& L, const std::string& weight, const std::string& bias,
                      int32_t n_head, int32_t head_dim, int64_t cols) {
  const Qkv w = split_per_head_qkv(t, weight, n_head, head_dim, cols, false);
  L.wq = w.q;
  L.wk = w.k;
  L.wv = w.v;
  if (!t.has(bias)) return;
  const Qkv b = split_per_head_qkv(t, bias, n_head, head_dim, 1, true);
  L.bq = b.q;
  L.bk = b.k;
  L.bv = b.v;
}

void set_stacked_qkv(io::HfTensors& t, model::LayerWeights& L, const std::string& weight, const std::string& bias,
                     int64_t q_rows, int64_t kv_rows, int64_t cols) {
  const core::TensorView f = t.matrix(weight, q_rows + 2 * kv_rows, cols);
  L.wq = io::HfTensors::rows(f, 0, q_rows, weight + "[q]");
  L.wk = io::HfTensors::rows(f, q_rows, kv_rows, weight + "[k]");
  L.wv = io::HfTensors::rows(f, q_rows + kv_rows, kv_rows, weight + "[v]");
  if (!t.has(bias)) return;
  const core::TensorView b = t.vector(bias, q_rows + 2 * kv_rows);
  L.bq = vector_slice(b, 0, q_rows, bias + "[q]");
  L.bk = vector_slice(b, q_rows, kv_rows, bias + "[k]");
  L.bv = vector_slice(b, q_rows + kv_rows, kv_rows, bias + "[v]");
}

void set_norm(io::HfTensors& t, core::TensorView& weight, core::TensorView& bias, const std::string& prefix, int64_t n,
              bool bias_required) {
  weight = t.vector(prefix + ".weight", n);
  bias = bias_required ? t.vector(prefix + ".bias", n) : t.optional_vector(prefix + ".bias", n);
}

void set_up_down_ffn(io::HfTensors& t, model::LayerWeights& L, const std::string& up, const std::string& down, int64_t D,
                     int64_t F) {
  L.ffn_up = t.matrix(up + ".weight", F, D);
  L.ffn_up_b = t.optional_vector(up + ".bias", F);
  L.ffn_down = t.matrix(down + ".weight", D, F);
  L.ffn_down_b = t.optional_vector(down + ".bias", D);
}

core::TensorView vector_slice(const core::TensorView& v, int64_t off, int64_t n, const std::string& name) {
  if (v.type != core::DType::kF32 || v.rows != 1 || off < 0 || n <= 0 || off + n > v.cols) {
    throw Error(ErrorKind::kFormat, "tensor '" + v.name + "': cannot take elements [" + std::to_string(off) +
                                        ", " + std::to_string(off + n) + ") of it");
  }
  core::TensorView s = v;
  s.name = name;
  s.data = v.f32() + off;
  s.cols = n;
  return s;
}

}  // namespace sinkstream::model::arch
