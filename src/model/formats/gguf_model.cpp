#include "model/formats/gguf_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/f16.hpp"
#include "core/row_dot.hpp"
#include "model/arch/registry.hpp"
#include "io/checked_values.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::model::formats {

namespace {

[[noreturn]] void fail(const io::gguf::File& f, const std::string& what) {
  throw Error(ErrorKind::kFormat, f.path() + ": " + what);
}

int32_t req_i32(const io::gguf::File& f, const std::string& key, int64_t lo, int64_t hi) {
  if (!f.has(key)) fail(f, "missing metadata key " + key);
  const int64_t v = f.get_int(key);
  const std::optional<int32_t> r = io::checked_i32(v, lo, hi);
  if (!r) fail(f, key + " " + io::outside_range(v, lo, hi));
  return *r;
}

// An optional key: `def` when absent, else range-checked before the cast.
int32_t opt_i32(const io::gguf::File& f, const std::string& key, int64_t lo, int64_t hi, int32_t def) {
  return f.has(key) ? req_i32(f, key, lo, hi) : def;
}

class TensorSource {
 public:
  TensorSource(std::shared_ptr<const io::gguf::File> f, model::ModelWeights& w) : f_(std::move(f)), w_(w) {}

  const io::gguf::TensorInfo* find(const std::string& name) const { return f_->find_tensor(name); }

  // A (rows, cols) matrix; cols = ggml dims[0]. Any tensor type.
  core::TensorView matrix(const std::string& name, int64_t rows, int64_t cols, bool required = true) const {
    const io::gguf::TensorInfo* t = find(name);
    if (t == nullptr) {
      if (required) fail(*f_, "missing tensor " + name);
      return {};
    }
    if (t->dims.size() > 2 || t->cols() != cols || t->rows() != rows) {
      fail(*f_, "tensor " + name + " has shape " + shape(*t) + ", expected [" + std::to_string(cols) + ", " +
                    std::to_string(rows) + "]");
    }
    core::TensorView v;
    v.name = name;
    v.type = t->type;
    v.data = t->data;
    v.rows = rows;
    v.cols = cols;
    return v;
  }

  // A vector of n elements as f32 (converted into an owned buffer when stored otherwise).
  core::TensorView vector(const std::string& name, int64_t n, bool required = true) {
    const io::gguf::TensorInfo* t = find(name);
    if (t == nullptr) {
      if (required) fail(*f_, "missing tensor " + name);
      return {};
    }
    if (t->numel() != n) {
      fail(*f_, "tensor " + name + " has " + std::to_string(t->numel()) + " elements, expected " + std::to_string(n));
    }
    core::TensorView v;
    v.name = name;
    v.type = core::DType::kF32;
    v.rows = 1;
    v.cols = n;
    if (t->type == core::DType::kF32) {
      v.data = t->data;
    } else {
      auto buf = std::make_shared<std::vector<float>>(static_cast<size_t>(n));
      core::row_dequantize_ref(t->type, t->data, buf->data(), n);
      v.data = buf->data();
      w_.owners.push_back(buf);
    }
    return v;
  }

  // A 3-D stack of n_mat (rows, cols) matrices (ggml dims [cols, rows, n_mat]: one per expert) as
  // one (n_mat * rows, cols) view.
  core::TensorView stack(const std::string& name, int64_t n_mat, int64_t rows, int64_t cols) const {
    const io::gguf::TensorInfo* t = find(name);
    if (t == nullptr) fail(*f_, "missing tensor " + name);
    if (t->dims != std::vector<int64_t>{cols, rows, n_mat}) {
      fail(*f_, "tensor " + name + " has shape " + shape(*t) + ", expected [" + std::to_string(cols) + ", " +
                    std::to_string(rows) + ", " + std::to_string(n_mat) + "]");
    }
    core::TensorView v;
    v.name = name;
    v.type = t->type;
    v.data = t->data;
    v.rows = n_mat * rows;
    v.cols = cols;
    return v;
  }

  // Rows [r0, r0 + n) of a matrix view (contiguous: shares storage).
  static core::TensorView rows(const core::TensorView& m, int64_t r0, int64_t n, const std::string& name) {
    core::TensorView v = m;
    v.name = name;
    v.data = m.row_ptr(r0);
    v.rows = n;
    return v;
  }
  static core::TensorView slice(const core::TensorView& vec, int64_t off, int64_t n, const std::string& name) {
    core::TensorView v = vec;
    v.name = name;
    v.data = vec.f32() + off;
    v.cols = n;
    return v;
  }

 private:
  static std::string shape(const io::gguf::TensorInfo& t) {
    std::string s = "[";
    for (size_t i = 0; i < t.dims.size(); ++i) s += (i ? ", " : "") + std::to_string(t.dims[i]);
    return s + "]";
  }
  std::shared_ptr<const io::gguf::File> f_;
  model::ModelWeights& w_;
};

// LongRoPE as llama.cpp's Phi-3 files hold it: rope_factors_long / rope_factors_short
// ([n_rot/2] each), <p>rope.scaling.original_context_length and attn_factor. The long
// list applies when the trained context exceeds the original one (as transformers
// chooses for a stream that long; llama.cpp chooses by the context it is run with).
void read_longrope(const io::gguf::File& f, const std::string& p, ModelConfig& c) {
  const io::gguf::TensorInfo* lf = f.find_tensor("rope_factors_long.weight");
  const io::gguf::TensorInfo* sf = f.find_tensor("rope_factors_short.weight");
  if (lf == nullptr && sf == nullptr) return;
  if (lf == nullptr || sf == nullptr) fail(f, "has one of rope_factors_long.weight / rope_factors_short.weight only");
  RopeScaling& r = c.rope_scaling;
  for (auto [t, dst] : {std::pair{lf, &r.long_factors}, std::pair{sf, &r.short_factors}}) {
    if (t->numel() != c.n_rot / 2) {
      fail(f, t->name + " has " + std::to_string(t->numel()) + " values, expected " + std::to_string(c.n_rot / 2));
    }
    std::vector<float> v(static_cast<size_t>(t->numel()));
    core::row_dequantize_ref(t->type, t->data, v.data(), t->numel());
    for (const float x : v) {
      if (!(x > 0.0f)) fail(f, t->name + " holds a non-positive factor");
    }
    dst->assign(v.begin(), v.end());
  }
  r.original_context = opt_i32(f, p + "rope.scaling.original_context_length", 1, io::kMaxContext, 0);
  if (r.original_context <= 0) fail(f, "LongRoPE needs " + p + "rope.scaling.original_context_length");
  r.attn_factor = f.get_float(p + "rope.scaling.attn_factor", 1.0);
  if (!(r.attn_factor > 0.0) || !std::isfinite(r.attn_factor)) fail(f, p + "rope.scaling.attn_factor must be > 0");
  r.kind = RopeScalingKind::kFactors;
  r.freq_factors = c.n_ctx_train > r.original_context ? r.long_factors : r.short_factors;
}

// The router and the experts of a mixture-of-experts layer (prefix b = "blk.N.").
void load_experts(TensorSource& src, const ModelConfig& c, const std::string& b, LayerWeights& L) {
  const int64_t D = c.n_embd, F = c.n_ff, E = c.n_expert;
  L.ffn_gate_inp = src.matrix(b + "ffn_gate_inp.weight", E, D);
  L.ffn_gate_inp_b = src.vector(b + "ffn_gate_inp.bias", E);
  L.ffn_gate_exps = src.stack(b + "ffn_gate_exps.weight", E, F, D);
  L.ffn_up_exps = src.stack(b + "ffn_up_exps.weight", E, F, D);
  L.ffn_down_exps = src.stack(b + "ffn_down_exps.weight", E, D, F);
  L.ffn_gate_exps_b = src.vector(b + "ffn_gate_exps.bias", E * F);
  L.ffn_up_exps_b = src.vector(b + "ffn_up_exps.bias", E * F);
  L.ffn_down_exps_b = src.vector(b + "ffn_down_exps.bias", E * D);
}

// c.layer_window: <p>attention.layer_windows ([block_count] windows, 0 = full) when the file has it,
// else the family's pattern of <p>attention.sliding_window (ArchSpec::gguf_swa_period); and the RoPE
// base of the windowed layers (<p>rope.freq_base_swa) when it differs.
void read_layer_windows(const io::gguf::File& f, const std::string& p, const arch::ArchSpec& spec, ModelConfig& c) {
  const std::string key = p + "attention.layer_windows";
  if (f.has(key)) {
    const std::vector<int32_t> w = f.get_i32_array(key);
    if (w.size() != static_cast<size_t>(c.n_layer)) {
      fail(f, key + " has " + std::to_string(w.size()) + " values for " + std::to_string(c.n_layer) + " layers");
    }
    for (const int32_t x : w) {
      if (x < 0 || x > io::kMaxContext) fail(f, key + " holds window " + std::to_string(x) + ", outside [0, 2^30]");
    }
    if (std::any_of(w.begin(), w.end(), [](int32_t x) { return x > 0; })) c.layer_window = w;
  } else if (c.sliding_window > 0) {
    c.layer_window.assign(static_cast<size_t>(c.n_layer), c.sliding_window);
    if (spec.gguf_swa_period > 0) {
      for (int32_t l = spec.gguf_swa_period - 1; l < c.n_layer; l += spec.gguf_swa_period) {
        c.layer_window[static_cast<size_t>(l)] = 0;
      }
    }
  }
  const double local_base = f.get_float(p + "rope.freq_base_swa", 0.0);
  if (!c.layer_window.empty() && local_base > 0.0) c.sliding_rope_theta = local_base;
  if (!(local_base >= 0.0)) fail(f, p + "rope.freq_base_swa must be > 0");
}

}  // namespace

ModelConfig gguf_model_config(const io::gguf::File& f) {
  if (!f.has("general.architecture")) fail(f, "missing metadata key general.architecture");
  const std::string name = f.get_string("general.architecture");
  const arch::ArchSpec& spec = arch::gguf_arch(name, f.path() + ": ");
  const std::string p = name + ".";
  // Norm, FFN, positions, RoPE pair layout, residual and q/k norm from the family's layout.
  ModelConfig c = arch::config_from_layout(spec.layout, spec.name);
  c.n_embd = req_i32(f, p + "embedding_length", 1, io::kMaxEmbd);
  c.n_layer = req_i32(f, p + "block_count", 1, io::kMaxLayers);
  c.n_ff = req_i32(f, p + "feed_forward_length", 1, io::kMaxFf);
  c.n_head = req_i32(f, p + "attention.head_count", 1, io::kMaxHeads);
  c.n_head_kv = f.has(p + "attention.head_count_kv") ? req_i32(f, p + "attention.head_count_kv", 1, c.n_head) : c.n_head;
  if (c.n_head % c.n_head_kv != 0) fail(f, "head_count " + std::to_string(c.n_head) + " is not a multiple of head_count_kv " + std::to_string(c.n_head_kv));
  c.head_dim = f.has(p + "attention.key_length") ? req_i32(f, p + "attention.key_length", 1, io::kMaxHeadDim)
                                                   : c.n_embd / c.n_head;
  if (c.head_dim <= 0) fail(f, "head size is zero");
  c.n_ctx_train = f.has(p + "context_length") ? req_i32(f, p + "context_length", 1, io::kMaxContext) : 2048;
  const std::string eps_key = p + (c.norm == NormKind::kRms ? "attention.layer_norm_rms_epsilon" : "attention.layer_norm_epsilon");
  c.norm_eps = static_cast<float>(f.get_float(eps_key, 1e-5));
  c.rope_theta = f.get_float(p + "rope.freq_base", 10000.0);
  c.n_rot = opt_i32(f, p + "rope.dimension_count", 0, io::kMaxHeadDim, c.head_dim);
  if (c.n_rot < 0 || c.n_rot > c.head_dim || c.n_rot % 2 != 0) fail(f, p + "rope.dimension_count = " + std::to_string(c.n_rot) + " is not an even number <= head size");
  const std::string scaling = f.get_string(p + "rope.scaling.type", "none");
  if (scaling == "linear") {
    c.rope_scaling.kind = RopeScalingKind::kLinear;
    c.rope_scaling.factor = f.get_float(p + "rope.scaling.factor", 1.0);
  } else if (scaling == "yarn") {
    c.rope_scaling.kind = RopeScalingKind::kYarn;
    c.rope_scaling.factor = f.get_float(p + "rope.scaling.factor", 1.0);
    c.rope_scaling.original_context = f.get_int(p + "rope.scaling.original_context_length", 4096);
    c.rope_scaling.beta_fast = f.get_float(p + "rope.scaling.yarn_beta_fast", 32.0);
    c.rope_scaling.beta_slow = f.get_float(p + "rope.scaling.yarn_beta_slow", 1.0);
    c.rope_scaling.attn_factor = f.get_float(p + "rope.scaling.attn_factor", 0.0);
    c.rope_scaling.truncate = f.get_bool(p + "rope.scaling.yarn_truncate", true);
  } else if (scaling != "none") {
    throw Error(ErrorKind::kUnsupported, f.path() + ": " + p + "rope.scaling.type '" + scaling + "' is not supported");
  }
  read_longrope(f, p, c);
  if (const io::gguf::TensorInfo* rf = f.find_tensor("rope_freqs.weight")) {
    // Llama 3.1+ scaling as llama.cpp stores it: frequency i divided by factor i.
    if (rf->numel() != c.n_rot / 2) {
      fail(f, "rope_freqs.weight has " + std::to_string(rf->numel()) + " values, expected " + std::to_string(c.n_rot / 2));
    }
    std::vector<float> factors(static_cast<size_t>(rf->numel()));
    core::row_dequantize_ref(rf->type, rf->data, factors.data(), rf->numel());
    c.rope_scaling.kind = RopeScalingKind::kFactors;
    c.rope_scaling.freq_factors.assign(factors.begin(), factors.end());
    for (const double x : c.rope_scaling.freq_factors) {
      if (!(x > 0.0)) fail(f, "rope_freqs.weight holds a non-positive factor");
    }
  }
  c.attn_softmax_one = f.get_bool(p + "attention.softmax_one", false);
  c.attn_scale = static_cast<float>(f.get_float(p + "attention.scale", 0.0));
  if (!(c.attn_scale >= 0.0f) || !std::isfinite(c.attn_scale)) fail(f, p + "attention.scale must be a finite number >= 0");
  c.sliding_window = opt_i32(f, p + "attention.sliding_window", 0, io::kMaxContext, 0);
  read_layer_windows(f, p, spec, c);
  if (spec.read_gguf_keys != nullptr) spec.read_gguf_keys(f, p, c);
  return c;
}

GgufModel load_gguf_model(std::shared_ptr<const io::gguf::File> file) {
  const io::gguf::File& f = *file;
  GgufModel m;
  ModelConfig& c = m.config;
  c = gguf_model_config(f);
  const arch::ArchSpec& spec = arch::gguf_arch(c.arch);
  const arch::BlockLayout& layout = spec.layout;
  ModelWeights& w = m.weights;
  TensorSource src(file, w);
  const io::gguf::TensorInfo* emb = src.find("token_embd.weight");
  if (emb == nullptr) fail(f, "missing tensor token_embd.weight");
  if (emb->cols() != c.n_embd) fail(f, "token_embd.weight rows have " + std::to_string(emb->cols()) + " elements, expected embedding_length " + std::to_string(c.n_embd));
  if (emb->rows() < 1 || emb->rows() > (1 << 24)) fail(f, "token_embd.weight has an absurd vocabulary size");
  c.n_vocab = static_cast<int32_t>(emb->rows());
  const int64_t D = c.n_embd, V = c.n_vocab, F = c.n_ff, QD = c.q_dim(), KVD = c.kv_dim();
  w.tok_embd = src.matrix("token_embd.weight", V, D);
  if (c.positions == PositionKind::kLearned) w.pos_embd = src.matrix("position_embd.weight", c.n_ctx_train, D);
  w.output_norm = src.vector("output_norm.weight", D);
  w.sink_token_embd = src.vector("sink_token_embd.weight", D, false);
  if (f.get_bool(c.arch + ".attention.sink_token", false) && w.sink_token_embd.empty()) {
    fail(f, c.arch + ".attention.sink_token is set but sink_token_embd.weight is missing");
  }
  w.output_norm_b = src.vector("output_norm.bias", D, false);
  w.output = src.matrix("output.weight", V, D, false);
  c.tied_embeddings = w.output.empty();
  if (c.tied_embeddings) w.output = w.tok_embd;
  c.attn_bias = false;
  c.ffn_bias = false;
  w.layers.resize(static_cast<size_t>(c.n_layer));
  for (int32_t l = 0; l < c.n_layer; ++l) {
    model::LayerWeights& L = w.layers[static_cast<size_t>(l)];
    const std::string b = "blk." + std::to_string(l) + ".";
    L.attn_norm = src.vector(b + "attn_norm.weight", D);
    L.attn_norm_b = src.vector(b + "attn_norm.bias", D, false);
    if (src.find(b + "attn_qkv.weight") != nullptr) {
      const core::TensorView qkv = src.matrix(b + "attn_qkv.weight", QD + 2 * KVD, D);
      L.wq = TensorSource::rows(qkv, 0, QD, b + "attn_q (fused)");
      L.wk = TensorSource::rows(qkv, QD, KVD, b + "attn_k (fused)");
      L.wv = TensorSource::rows(qkv, QD + KVD, KVD, b + "attn_v (fused)");
      const core::TensorView bias = src.vector(b + "attn_qkv.bias", QD + 2 * KVD, false);
      if (!bias.empty()) {
        L.bq = TensorSource::slice(bias, 0, QD, b + "attn_q.bias (fused)");
        L.bk = TensorSource::slice(bias, QD, KVD, b + "attn_k.bias (fused)");
        L.bv = TensorSource::slice(bias, QD + KVD, KVD, b + "attn_v.bias (fused)");
      }
    } else {
      L.wq = src.matrix(b + "attn_q.weight", QD, D);
      L.wk = src.matrix(b + "attn_k.weight", KVD, D);
      L.wv = src.matrix(b + "attn_v.weight", KVD, D);
      L.bq = src.vector(b + "attn_q.bias", QD, false);
      L.bk = src.vector(b + "attn_k.bias", KVD, false);
      L.bv = src.vector(b + "attn_v.bias", KVD, false);
    }
    L.wo = src.matrix(b + "attn_output.weight", D, QD);
    L.bo = src.vector(b + "attn_output.bias", D, false);
    c.attn_bias = c.attn_bias || !L.bq.empty() || !L.bo.empty();
    if (c.qk_norm) {
      L.q_norm = src.vector(b + "attn_q_norm.weight", c.head_dim);
      L.k_norm = src.vector(b + "attn_k_norm.weight", c.head_dim);
    }
    L.attn_sinks = src.vector(b + "attn_sinks.weight", c.n_head, false);
    L.attn_gate = src.matrix(b + "attn_gate.weight", c.n_head, D, false);
    if (L.attn_sinks.empty()) L.attn_sinks = src.vector(b + "attn_sinks", c.n_head, false);
    const std::string ffn_norm = b + std::string(spec.gguf_ffn_norm);
    L.ffn_norm = src.vector(ffn_norm + ".weight", D, layout.ffn_norm || !c.parallel_residual);
    L.ffn_norm_b = src.vector(ffn_norm + ".bias", D, false);
    if (layout.post_norms) {
      L.attn_post_norm = src.vector(b + "post_attention_norm.weight", D, false);
      L.ffn_post_norm = src.vector(b + "post_ffw_norm.weight", D, false);
    }
    if (c.n_expert > 0) {
      load_experts(src, c, b, L);
      continue;
    }
    if (ffn_is_gated(c.ffn) && src.find(b + "ffn_gate.weight") == nullptr) {
      // One fused [gate; up] (2 * n_ff, n_embd) in ffn_up (llama.cpp's Phi-3 files).
      const core::TensorView gate_up = src.matrix(b + "ffn_up.weight", 2 * F, D);
      L.ffn_gate = TensorSource::rows(gate_up, 0, F, b + "ffn_gate (fused in ffn_up)");
      L.ffn_up = TensorSource::rows(gate_up, F, F, b + "ffn_up (fused)");
    } else {
      if (ffn_is_gated(c.ffn)) L.ffn_gate = src.matrix(b + "ffn_gate.weight", F, D);
      L.ffn_up = src.matrix(b + "ffn_up.weight", F, D);
    }
    L.ffn_down = src.matrix(b + "ffn_down.weight", D, F);
    L.ffn_up_b = src.vector(b + "ffn_up.bias", F, false);
    L.ffn_down_b = src.vector(b + "ffn_down.bias", D, false);
    c.ffn_bias = c.ffn_bias || !L.ffn_up_b.empty();
  }
  w.owners.push_back(file);
  return m;
}

}  // namespace sinkstream::model::formats
