#include "model/formats/gguf_export.hpp"

#include <cstring>
#include <vector>

#include "core/f16.hpp"
#include "core/quantize.hpp"
#include "core/row_dot.hpp"
#include "io/gguf_writer.hpp"
#include "model/arch/registry.hpp"
#include "model/positions.hpp"
#include "sinkstream/error.hpp"
#include "tokenizer/gguf_vocab_writer.hpp"

namespace sinkstream::model::formats {

namespace {

// Row r of a matrix view as f32 ([cols]).
void row_f32(const core::TensorView& t, int64_t r, float* out) { core::row_dequantize_ref(t.type, t.row_ptr(r), out, t.cols); }

// Source row index for destination row `r` of a Q or K matrix when the halves
// RoPE layout must become adjacent pairs: per head, dst 2i <- src i, dst 2i+1 <- src i + n_rot/2.
int64_t permuted_row(int64_t r, int32_t head_dim, int32_t n_rot) {
  const int64_t head = r / head_dim, d = r % head_dim;
  if (d >= n_rot) return r;
  const int64_t i = d / 2;
  return head * head_dim + (d % 2 == 0 ? i : i + n_rot / 2);
}

class Exporter {
 public:
  Exporter(const ModelConfig& c, const GgufExportOptions& o) : c_(c), o_(o) {}

  void matrix(io::gguf::Writer& w, const std::string& name, const core::TensorView& t, bool permute = false) {
    if (t.empty()) return;
    fused(w, name, {&t}, permute);
  }

  // A stack of n_mat expert matrices (rows of t: n_mat * per), written as ggml's 3-D [cols, per, n_mat]
  // in the experts' type (MXFP4 stays MXFP4).
  void stack(io::gguf::Writer& w, const std::string& name, const core::TensorView& t, int64_t n_mat) {
    if (t.empty()) return;
    fused(w, name, {&t}, false, {t.cols, t.rows / n_mat, n_mat}, true);
  }

  // Rows of several matrices with the same column count stacked into one tensor
  // (attn_qkv = [q; k; v] for the families whose GGUF files fuse them). `dims` (ggml order)
  // replaces the 2-D [cols, rows] when given.
  void fused(io::gguf::Writer& w, const std::string& name, std::vector<const core::TensorView*> parts, bool permute = false,
             std::vector<int64_t> dims = {}, bool expert = false) {
    const int64_t cols = parts[0]->cols;
    int64_t rows = 0;
    for (const core::TensorView* t : parts) rows += t->rows;
    core::DType type = export_matrix_type(o_.type, expert, c_.n_expert > 0);
    if (cols % core::dtype_traits(type).block_elems != 0) type = core::DType::kF16;  // llama.cpp's fallback
    const size_t row_bytes = core::dtype_row_bytes(type, cols);
    if (parts.size() == 1 && parts[0]->type == type && !permute) {  // already stored so: the bytes as they are
      // No copy: the weights outlive the writer (export_gguf writes before it returns).
      const std::span<const uint8_t> bytes(static_cast<const uint8_t*>(parts[0]->data),
                                           row_bytes * static_cast<size_t>(rows));
      w.add_tensor_view(name, type, dims.empty() ? std::vector<int64_t>{cols, rows} : std::move(dims), bytes);
      report(name);
      return;
    }
    std::vector<uint8_t> out(row_bytes * static_cast<size_t>(rows));
    std::vector<float> row(static_cast<size_t>(cols));
    int64_t dst = 0;
    for (const core::TensorView* t : parts) {
      for (int64_t r = 0; r < t->rows; ++r, ++dst) {
        row_f32(*t, permute ? permuted_row(r, c_.head_dim, c_.n_rot) : r, row.data());
        core::quantize_row_ref(type, row.data(), out.data() + static_cast<size_t>(dst) * row_bytes, cols);
      }
    }
    w.add_tensor(name, type, dims.empty() ? std::vector<int64_t>{cols, rows} : std::move(dims), std::move(out));
    report(name);
  }

  void fused_vector(io::gguf::Writer& w, const std::string& name, std::vector<const core::TensorView*> parts) {
    std::vector<float> v;
    for (const core::TensorView* t : parts) {
      const size_t at = v.size();
      v.resize(at + static_cast<size_t>(t->numel()));
      core::row_dequantize_ref(t->type, t->data, v.data() + at, t->numel());
    }
    std::vector<uint8_t> bytes(v.size() * 4);
    std::memcpy(bytes.data(), v.data(), bytes.size());
    w.add_tensor(name, core::DType::kF32, {static_cast<int64_t>(v.size())}, std::move(bytes));
    report(name);
  }

  // `dims` (ggml order) replaces [n] when given (expert biases: [per expert, n_expert]).
  void vector(io::gguf::Writer& w, const std::string& name, const core::TensorView& t, bool permute = false,
              std::vector<int64_t> dims = {}) {
    if (t.empty()) return;
    const int64_t n = t.numel();
    std::vector<float> v(static_cast<size_t>(n));
    core::row_dequantize_ref(t.type, t.data, v.data(), n);
    if (permute) {
      std::vector<float> p(v.size());
      for (int64_t r = 0; r < n; ++r) p[static_cast<size_t>(r)] = v[static_cast<size_t>(permuted_row(r, c_.head_dim, c_.n_rot))];
      v.swap(p);
    }
    std::vector<uint8_t> bytes(v.size() * 4);
    std::memcpy(bytes.data(), v.data(), bytes.size());
    w.add_tensor(name, core::DType::kF32, dims.empty() ? std::vector<int64_t>{n} : std::move(dims), std::move(bytes));
    report(name);
  }

  size_t total = 0;

 private:
  void report(const std::string& name) {
    ++done_;
    if (o_.progress) o_.progress(name, done_, total);
  }
  const ModelConfig& c_;
  const GgufExportOptions& o_;
  size_t done_ = 0;
};

}  // namespace

core::DType export_matrix_type(core::DType requested, bool expert, bool moe_model) {
  if (requested == core::DType::kMXFP4 && moe_model && !expert) return core::DType::kQ8_0;
  return requested;
}

void export_gguf(const ModelConfig& c, const ModelWeights& w, const std::string& path, const GgufExportOptions& o) {
  if (!core::dtype_has_quantizer(o.type) && o.type != core::DType::kF32 && o.type != core::DType::kF16 && o.type != core::DType::kBF16) {
    throw Error(ErrorKind::kUnsupported, std::string("cannot write tensors of type ") + core::dtype_name(o.type));
  }
  const arch::ArchSpec& spec = arch::gguf_arch(c.arch, "GGUF export: ");
  const arch::BlockLayout& layout = spec.layout;
  io::gguf::Writer out;
  const std::string a = c.arch;
  const std::string p = a + ".";
  out.set_string("general.architecture", a);
  out.set_string("general.name", o.name.empty() ? a : o.name);
  out.set_u32("general.file_type", static_cast<uint32_t>(o.type));
  out.set_u32(p + "context_length", static_cast<uint32_t>(c.n_ctx_train));
  out.set_u32(p + "embedding_length", static_cast<uint32_t>(c.n_embd));
  out.set_u32(p + "block_count", static_cast<uint32_t>(c.n_layer));
  out.set_u32(p + "feed_forward_length", static_cast<uint32_t>(c.n_ff));
  out.set_u32(p + "attention.head_count", static_cast<uint32_t>(c.n_head));
  out.set_u32(p + "attention.head_count_kv", static_cast<uint32_t>(c.n_head_kv));
  if (c.head_dim * c.n_head != c.n_embd) {
    out.set_u32(p + "attention.key_length", static_cast<uint32_t>(c.head_dim));
    out.set_u32(p + "attention.value_length", static_cast<uint32_t>(c.head_dim));
  }
  out.set_f32(p + (c.norm == NormKind::kRms ? "attention.layer_norm_rms_epsilon" : "attention.layer_norm_epsilon"),
              c.norm_eps);
  if (c.positions == PositionKind::kRope) {
    out.set_f32(p + "rope.freq_base", static_cast<float>(c.rope_theta));
    out.set_u32(p + "rope.dimension_count", static_cast<uint32_t>(c.n_rot));
    if (c.rope_scaling.kind == RopeScalingKind::kLinear) {
      out.set_string(p + "rope.scaling.type", "linear");
      out.set_f32(p + "rope.scaling.factor", static_cast<float>(c.rope_scaling.factor));
    } else if (!c.rope_scaling.long_factors.empty()) {
      // LongRoPE as llama.cpp's Phi-3 files hold it: both lists, the original context, the attention factor.
      auto factors = [&](const char* name, const std::vector<double>& v) {
        std::vector<uint8_t> bytes(v.size() * 4);
        for (size_t i = 0; i < v.size(); ++i) {
          const float x = static_cast<float>(v[i]);
          std::memcpy(bytes.data() + 4 * i, &x, 4);
        }
        out.add_tensor(name, core::DType::kF32, {static_cast<int64_t>(v.size())}, std::move(bytes));
      };
      factors("rope_factors_long.weight", c.rope_scaling.long_factors);
      factors("rope_factors_short.weight", c.rope_scaling.short_factors);
      out.set_u32(p + "rope.scaling.original_context_length", static_cast<uint32_t>(c.rope_scaling.original_context));
      out.set_f32(p + "rope.scaling.attn_factor", static_cast<float>(c.rope_scaling.attention_factor()));
    } else if (c.rope_scaling.kind == RopeScalingKind::kYarn) {
      const RopeScaling& r = c.rope_scaling;
      out.set_string(p + "rope.scaling.type", "yarn");
      out.set_f32(p + "rope.scaling.factor", static_cast<float>(r.factor));
      out.set_u32(p + "rope.scaling.original_context_length", static_cast<uint32_t>(r.original_context));
      out.set_f32(p + "rope.scaling.yarn_beta_fast", static_cast<float>(r.beta_fast));
      out.set_f32(p + "rope.scaling.yarn_beta_slow", static_cast<float>(r.beta_slow));
      if (r.attn_factor > 0.0) out.set_f32(p + "rope.scaling.attn_factor", static_cast<float>(r.attn_factor));
      out.set_bool(p + "rope.scaling.yarn_truncate", r.truncate);
    } else if (c.rope_scaling.kind == RopeScalingKind::kLlama3 || c.rope_scaling.kind == RopeScalingKind::kFactors) {
      // llama.cpp's convention: a rope_freqs tensor of per-pair divisors.
      ModelConfig plain = c;
      plain.rope_scaling = RopeScaling{};
      const std::vector<double> base = model::rope_frequencies(plain), scaled = model::rope_frequencies(c);
      std::vector<uint8_t> bytes(base.size() * 4);
      for (size_t i = 0; i < base.size(); ++i) {
        const float factor = static_cast<float>(base[i] / scaled[i]);
        std::memcpy(bytes.data() + 4 * i, &factor, 4);
      }
      out.add_tensor("rope_freqs.weight", core::DType::kF32, {static_cast<int64_t>(base.size())}, std::move(bytes));
    }
  }
  if (spec.write_gguf_keys != nullptr) spec.write_gguf_keys(c, p, out);
  if (c.attn_softmax_one) out.set_bool(p + "attention.softmax_one", true);
  if (c.attn_scale > 0.0f) out.set_f32(p + "attention.scale", c.attn_scale);
  if (!w.sink_token_embd.empty()) out.set_bool(p + "attention.sink_token", true);
  if (!w.layers.empty() && !w.layers[0].attn_gate.empty()) out.set_string(p + "attention.output_gate", "headwise");
  if (c.sliding_window > 0) out.set_u32(p + "attention.sliding_window", static_cast<uint32_t>(c.sliding_window));
  if (!c.layer_window.empty()) out.set_i32_array(p + "attention.layer_windows", c.layer_window);
  if (c.sliding_rope_theta > 0.0) out.set_f32(p + "rope.freq_base_swa", static_cast<float>(c.sliding_rope_theta));
  if (o.vocab != nullptr) tokenizer::write_vocab_gguf(*o.vocab, out);
  for (const auto& [key, value] : o.strings) out.set_string(key, value);

  // The halves layout must become adjacent pairs for the families whose GGUF files use those (llama).
  const bool gguf_pairs = layout.gguf_rope_layout == RopeLayout::kInterleaved;
  const bool permute = gguf_pairs && c.positions == PositionKind::kRope && c.rope_layout == RopeLayout::kHalves;
  if (!gguf_pairs && c.positions == PositionKind::kRope && c.rope_layout == RopeLayout::kInterleaved) {
    throw Error(ErrorKind::kUnsupported, "GGUF export: architecture '" + a + "' expects the halves RoPE layout");
  }

  // llama.cpp's loaders for some families read one fused [q; k; v] tensor.
  const bool fuse_qkv = layout.gguf_fused_qkv;
  Exporter ex(c, o);
  ex.total = 4 + w.layers.size() * 24;
  ex.matrix(out, "token_embd.weight", w.tok_embd);
  ex.matrix(out, "position_embd.weight", w.pos_embd);
  ex.vector(out, "output_norm.weight", w.output_norm);
  ex.vector(out, "output_norm.bias", w.output_norm_b);
  ex.vector(out, "sink_token_embd.weight", w.sink_token_embd);
  if (!c.tied_embeddings || layout.gguf_output_required) ex.matrix(out, "output.weight", w.output);
  for (size_t l = 0; l < w.layers.size(); ++l) {
    const model::LayerWeights& L = w.layers[l];
    const std::string b = "blk." + std::to_string(l) + ".";
    ex.vector(out, b + "attn_norm.weight", L.attn_norm);
    ex.vector(out, b + "attn_norm.bias", L.attn_norm_b);
    if (fuse_qkv) {
      ex.fused(out, b + "attn_qkv.weight", {&L.wq, &L.wk, &L.wv});
      if (!L.bq.empty()) ex.fused_vector(out, b + "attn_qkv.bias", {&L.bq, &L.bk, &L.bv});
    } else {
      ex.matrix(out, b + "attn_q.weight", L.wq, permute);
      ex.matrix(out, b + "attn_k.weight", L.wk, permute);
      ex.matrix(out, b + "attn_v.weight", L.wv);
      ex.vector(out, b + "attn_q.bias", L.bq, permute);
      ex.vector(out, b + "attn_k.bias", L.bk, permute);
      ex.vector(out, b + "attn_v.bias", L.bv);
    }
    ex.matrix(out, b + "attn_output.weight", L.wo);
    ex.vector(out, b + "attn_output.bias", L.bo);
    ex.vector(out, b + "attn_q_norm.weight", L.q_norm);
    ex.vector(out, b + "attn_k_norm.weight", L.k_norm);
    ex.vector(out, b + "attn_sinks.weight", L.attn_sinks);
    ex.matrix(out, b + "attn_gate.weight", L.attn_gate);
    ex.vector(out, b + "post_attention_norm.weight", L.attn_post_norm);
    const std::string ffn_norm = b + std::string(spec.gguf_ffn_norm);
    ex.vector(out, ffn_norm + ".weight", L.ffn_norm);
    ex.vector(out, ffn_norm + ".bias", L.ffn_norm_b);
    ex.matrix(out, b + "ffn_gate_inp.weight", L.ffn_gate_inp);
    ex.vector(out, b + "ffn_gate_inp.bias", L.ffn_gate_inp_b);
    ex.stack(out, b + "ffn_gate_exps.weight", L.ffn_gate_exps, c.n_expert);
    ex.stack(out, b + "ffn_up_exps.weight", L.ffn_up_exps, c.n_expert);
    ex.stack(out, b + "ffn_down_exps.weight", L.ffn_down_exps, c.n_expert);
    const int64_t E = c.n_expert;
    ex.vector(out, b + "ffn_gate_exps.bias", L.ffn_gate_exps_b, false, {c.n_ff, E});
    ex.vector(out, b + "ffn_up_exps.bias", L.ffn_up_exps_b, false, {c.n_ff, E});
    ex.vector(out, b + "ffn_down_exps.bias", L.ffn_down_exps_b, false, {c.n_embd, E});
    if (layout.gguf_fused_gate_up && !L.ffn_gate.empty()) {
      ex.fused(out, b + "ffn_up.weight", {&L.ffn_gate, &L.ffn_up});
    } else {
      ex.matrix(out, b + "ffn_gate.weight", L.ffn_gate);
      ex.matrix(out, b + "ffn_up.weight", L.ffn_up);
    }
    ex.vector(out, b + "post_ffw_norm.weight", L.ffn_post_norm);
    ex.matrix(out, b + "ffn_down.weight", L.ffn_down);
    ex.vector(out, b + "ffn_up.bias", L.ffn_up_b);
    ex.vector(out, b + "ffn_down.bias", L.ffn_down_b);
  }
  out.write(path);
}

}  // namespace sinkstream::model::formats
