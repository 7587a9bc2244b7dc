#include "eval/synth_model.hpp"

#include <cmath>
#include <memory>

#include "core/dtype.hpp"
#include "core/f16.hpp"
#include "core/quantize.hpp"
#include "io/gguf.hpp"
#include "model/arch/registry.hpp"
#include "model/formats/gguf_export.hpp"
#include "model/weights.hpp"
#include "sinkstream/convert.hpp"
#include "sinkstream/error.hpp"
#include "tokenizer/gguf_tokenizer.hpp"
#include "tokenizer/vocab_data.hpp"

namespace sinkstream::eval {

namespace {

struct Shape {
  const char* name;
  ModelConfig c;
};

ModelConfig llama_like(int32_t d, int32_t ff, int32_t layers, int32_t heads, int32_t kv, int32_t vocab, int32_t ctx,
                       double theta, bool tied) {
  ModelConfig c;
  c.arch = "llama";
  c.n_embd = d;
  c.n_ff = ff;
  c.n_layer = layers;
  c.n_head = heads;
  c.n_head_kv = kv;
  c.head_dim = d / heads;
  c.n_vocab = vocab;
  c.n_ctx_train = ctx;
  c.rope_theta = theta;
  c.n_rot = c.head_dim;
  c.rope_layout = RopeLayout::kInterleaved;  // GGUF llama convention
  c.tied_embeddings = tied;
  return c;
}

// Windows on every layer but each period-th (0-based layer period-1, 2*period-1, ... attend to all).
void gemma_windows(ModelConfig& c, int32_t window, int32_t period) {
  c.sliding_window = window;
  c.layer_window.assign(static_cast<size_t>(c.n_layer), window);
  for (int32_t l = period - 1; l < c.n_layer; l += period) c.layer_window[static_cast<size_t>(l)] = 0;
}

// Gemma 2 2B: head_dim 256, GeGLU, soft-caps 50 / 30, local window 4096 on every other layer.
ModelConfig gemma2_2b() {
  ModelConfig c = llama_like(2304, 9216, 26, 8, 4, 256000, 8192, 10000.0, true);
  c.arch = "gemma2";
  c.head_dim = 256;
  c.n_rot = 256;
  c.ffn = FfnKind::kGeGlu;
  c.norm_eps = 1e-6f;
  c.rope_layout = RopeLayout::kHalves;
  c.embed_scale = static_cast<float>(std::sqrt(2304.0));
  c.attn_scale = 1.0f / 16.0f;  // query_pre_attn_scalar 256
  c.attn_softcap = 50.0f;
  c.final_softcap = 30.0f;
  gemma_windows(c, 4096, 2);
  return c;
}

// Gemma 3 1B: one key/value head of 256, q/k norm, window 512 on five layers of six, local RoPE base 10k.
ModelConfig gemma3_1b() {
  ModelConfig c = llama_like(1152, 6912, 26, 4, 1, 262144, 32768, 1000000.0, true);
  c.arch = "gemma3";
  c.head_dim = 256;
  c.n_rot = 256;
  c.ffn = FfnKind::kGeGlu;
  c.norm_eps = 1e-6f;
  c.rope_layout = RopeLayout::kHalves;
  c.qk_norm = true;
  c.embed_scale = static_cast<float>(std::sqrt(1152.0));
  c.attn_scale = 1.0f / 16.0f;
  c.sliding_rope_theta = 10000.0;
  gemma_windows(c, 512, 6);
  return c;
}

// gpt-oss-20b (OpenAI's config.json): 24 layers alternating a 128-token window and full attention,
// 32 experts of width 2880 (4 active), YaRN x32 over 4096; `layers` < 24 keeps the first layers.
ModelConfig gpt_oss_20b(int32_t layers) {
  ModelConfig c;
  c.arch = "gpt-oss";
  c.n_embd = 2880;
  c.n_ff = 2880;
  c.n_layer = layers;
  c.n_head = 64;
  c.n_head_kv = 8;
  c.head_dim = 64;
  c.n_vocab = 201088;
  c.n_ctx_train = 131072;
  c.rope_theta = 150000.0;
  c.n_rot = 64;
  c.rope_layout = RopeLayout::kHalves;
  c.rope_scaling.kind = RopeScalingKind::kYarn;
  c.rope_scaling.factor = 32.0;
  c.rope_scaling.original_context = 4096;
  c.rope_scaling.truncate = false;
  c.tied_embeddings = false;
  c.ffn = FfnKind::kSwiGluOai;
  c.attn_bias = true;
  c.ffn_bias = true;
  c.n_expert = 32;
  c.n_expert_used = 4;
  c.sliding_window = 128;
  c.layer_window.assign(static_cast<size_t>(layers), 0);
  for (int32_t l = 0; l < layers; l += 2) c.layer_window[static_cast<size_t>(l)] = 128;  // even layers slide
  return c;
}

std::vector<Shape> shapes() {
  std::vector<Shape> v;
  v.push_back({"tinyllama-1.1b", llama_like(2048, 5632, 22, 32, 4, 32000, 2048, 10000.0, false)});
  v.push_back({"llama-3.2-1b", llama_like(2048, 8192, 16, 32, 8, 128256, 131072, 500000.0, true)});
  v.push_back({"smollm-135m", llama_like(576, 1536, 30, 9, 3, 49152, 2048, 10000.0, true)});
  ModelConfig q = llama_like(896, 4864, 24, 14, 2, 151936, 32768, 1000000.0, true);
  q.arch = "qwen2";
  q.norm_eps = 1e-6f;
  q.rope_layout = RopeLayout::kHalves;
  q.attn_bias = true;  // q, k, v biases
  v.push_back({"qwen2.5-0.5b", q});
  ModelConfig p;
  p.arch = "gptneox";
  p.n_embd = 768;
  p.n_ff = 3072;
  p.n_layer = 12;
  p.n_head = 12;
  p.n_head_kv = 12;
  p.head_dim = 64;
  p.n_vocab = 50304;
  p.n_ctx_train = 2048;
  p.norm = NormKind::kLayer;
  p.ffn = FfnKind::kGeluErf;
  p.rope_theta = 10000.0;
  p.n_rot = 16;  // rotary_pct 0.25
  p.rope_layout = RopeLayout::kHalves;
  p.tied_embeddings = false;
  p.parallel_residual = true;
  p.attn_bias = true;
  p.ffn_bias = true;
  v.push_back({"pythia-160m", p});
  v.push_back({"gemma-2-2b", gemma2_2b()});
  v.push_back({"gemma-3-1b", gemma3_1b()});
  ModelConfig phi = llama_like(3072, 8192, 32, 32, 32, 32064, 4096, 10000.0, false);
  phi.arch = "phi3";
  phi.rope_layout = RopeLayout::kHalves;
  phi.sliding_window = 2047;
  phi.layer_window.assign(32, 2047);
  v.push_back({"phi-3-mini-4k", phi});
  v.push_back({"gpt-oss-20b", gpt_oss_20b(24)});
  v.push_back({"gpt-oss-20b-4l", gpt_oss_20b(4)});
  return v;
}

// splitmix64: a fast deterministic stream per tensor.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  float uniform() { return static_cast<float>(next() >> 40) * 0x1p-24f * 2.0f - 1.0f; }  // [-1, 1)
};

class Builder {
 public:
  Builder(model::ModelWeights& w, uint64_t seed) : w_(w), seed_(seed) {}

  // (rows, cols) f16 matrix, uniform with std `std`.
  core::TensorView matrix(const std::string& name, int64_t rows, int64_t cols, float std) {
    auto buf = std::make_shared<std::vector<uint16_t>>(static_cast<size_t>(rows * cols));
    Rng rng{seed_ + 0x1000ull * ++count_};
    const float a = std * std::sqrt(3.0f);
    for (auto& h : *buf) h = core::f32_to_f16(a * rng.uniform());
    return keep(name, core::DType::kF16, buf->data(), rows, cols, buf);
  }

  // (rows, cols) matrix generated straight into type t (row by row through the reference
  // quantizer, so a large MoE model never holds f16 copies); f16 as matrix().
  core::TensorView stored(const std::string& name, int64_t rows, int64_t cols, float std, core::DType t) {
    if (t == core::DType::kF16) return matrix(name, rows, cols, std);
    const size_t rb = core::dtype_row_bytes(t, cols);
    auto buf = std::make_shared<std::vector<uint8_t>>(rb * static_cast<size_t>(rows));
    Rng rng{seed_ + 0x1000ull * ++count_};
    const float a = std * std::sqrt(3.0f);
    std::vector<float> row(static_cast<size_t>(cols));
    for (int64_t r = 0; r < rows; ++r) {
      for (float& x : row) x = a * rng.uniform();
      core::quantize_row_ref(t, row.data(), buf->data() + static_cast<size_t>(r) * rb, cols);
    }
    return keep(name, t, buf->data(), rows, cols, buf);
  }

  // [n] f32 vector: value + spread * uniform.
  core::TensorView vector(const std::string& name, int64_t n, float value, float spread) {
    auto buf = std::make_shared<std::vector<float>>(static_cast<size_t>(n));
    Rng rng{seed_ + 0x1000ull * ++count_};
    for (auto& x : *buf) x = value + spread * rng.uniform();
    return keep(name, core::DType::kF32, buf->data(), 1, n, buf);
  }

 private:
  core::TensorView keep(const std::string& name, core::DType t, const void* data, int64_t rows, int64_t cols,
                  std::shared_ptr<const void> owner) {
    w_.owners.push_back(std::move(owner));
    core::TensorView v;
    v.name = name;
    v.type = t;
    v.data = data;
    v.rows = rows;
    v.cols = cols;
    return v;
  }
  model::ModelWeights& w_;
  uint64_t seed_;
  uint64_t count_ = 0;
};

}  // namespace

std::vector<std::string> synth_shape_names() {
  std::vector<std::string> v;
  for (const Shape& s : shapes()) v.emplace_back(s.name);
  return v;
}

ModelConfig synth_shape(const std::string& name) {
  std::string known;
  for (const Shape& s : shapes()) {
    if (name == s.name) return s.c;
    known += (known.empty() ? "" : ", ") + std::string(s.name);
  }
  throw Error(ErrorKind::kInvalidArg, "unknown shape '" + name + "' (known: " + known + ")");
}

void synth_gguf(const std::string& shape, const std::string& path, const SynthOptions& o) {
  const ModelConfig c = synth_shape(shape);
  core::DType type = core::DType::kF16;
  if (!core::dtype_from_name(o.type, &type)) {
    throw Error(ErrorKind::kInvalidArg, "unknown tensor type '" + o.type + "' (expected one of " + kWritableTypes + ")");
  }
  tokenizer::VocabData vocab;
  if (!o.vocab.empty()) {
    vocab = tokenizer::vocab_from_gguf(*io::gguf::File::open(o.vocab));
    if (static_cast<int64_t>(vocab.tokens.size()) > c.n_vocab) {
      throw Error(ErrorKind::kInvalidArg, "vocabulary " + vocab.source + " has " + std::to_string(vocab.tokens.size()) +
                                              " tokens, more than the " + std::to_string(c.n_vocab) + " rows of " +
                                              shape + "'s embedding");
    }
    // Embedding tables are often larger than the tokenizer (Pythia: 50304 rows, 50277 tokens).
    if (vocab.scores.empty()) vocab.scores.assign(vocab.tokens.size(), 0.0f);
    if (vocab.types.empty()) vocab.types.assign(vocab.tokens.size(), tokenizer::TokenType::kNormal);
    for (size_t i = vocab.tokens.size(); i < static_cast<size_t>(c.n_vocab); ++i) {
      vocab.tokens.push_back("<|synth_pad_" + std::to_string(i) + "|>");
      vocab.scores.push_back(0.0f);
      vocab.types.push_back(tokenizer::TokenType::kUnused);
    }
  }
  model::ModelWeights w;
  Builder b(w, o.seed);
  const int64_t D = c.n_embd, F = c.n_ff, V = c.n_vocab, QD = c.q_dim(), KVD = c.kv_dim();
  const float out_gain = 1.0f / std::sqrt(2.0f * static_cast<float>(c.n_layer));
  const bool ln = c.norm == NormKind::kLayer;
  // The output projection has a bias along with q/k/v when the family's layout has one (GPT-NeoX, not Qwen2).
  const model::arch::BlockLayout& layout = model::arch::gguf_arch(c.arch).layout;
  const bool out_bias = layout.out_bias != model::arch::Bias::kNone;
  const bool post_norms = layout.post_norms;  // Gemma: norms of the attention and feed-forward outputs
  const bool moe = c.n_expert > 0;
  // A mixture-of-experts model is generated in its stored types (see export_matrix_type).
  const auto mat = [&](const std::string& name, int64_t rows, int64_t cols, float std, bool expert = false) {
    return moe ? b.stored(name, rows, cols, std, model::formats::export_matrix_type(type, expert, true))
               : b.matrix(name, rows, cols, std);
  };
  w.tok_embd = mat("token_embd.weight", V, D, 0.02f);
  w.output_norm = b.vector("output_norm.weight", D, 1.0f, 0.0f);
  if (ln) w.output_norm_b = b.vector("output_norm.bias", D, 0.0f, 0.01f);
  w.output = c.tied_embeddings ? w.tok_embd : mat("output.weight", V, D, 1.0f / std::sqrt(static_cast<float>(D)));
  w.layers.resize(static_cast<size_t>(c.n_layer));
  const float sd = 1.0f / std::sqrt(static_cast<float>(D)), sf = 1.0f / std::sqrt(static_cast<float>(F));
  for (int32_t l = 0; l < c.n_layer; ++l) {
    model::LayerWeights& L = w.layers[static_cast<size_t>(l)];
    const std::string p = "blk." + std::to_string(l) + ".";
    L.attn_norm = b.vector(p + "attn_norm", D, 1.0f, 0.0f);
    if (ln) L.attn_norm_b = b.vector(p + "attn_norm_b", D, 0.0f, 0.01f);
    L.wq = mat(p + "attn_q", QD, D, sd);
    L.wk = mat(p + "attn_k", KVD, D, sd);
    L.wv = mat(p + "attn_v", KVD, D, sd);
    L.wo = mat(p + "attn_output", D, QD, out_gain / std::sqrt(static_cast<float>(QD)));
    if (c.attn_bias) {
      L.bq = b.vector(p + "attn_q.bias", QD, 0.0f, 0.02f);
      L.bk = b.vector(p + "attn_k.bias", KVD, 0.0f, 0.02f);
      L.bv = b.vector(p + "attn_v.bias", KVD, 0.0f, 0.02f);
      if (out_bias) L.bo = b.vector(p + "attn_output.bias", D, 0.0f, 0.02f);
    }
    if (post_norms) L.attn_post_norm = b.vector(p + "post_attention_norm", D, 1.0f, 0.0f);
    if (c.qk_norm) {
      L.q_norm = b.vector(p + "attn_q_norm", c.head_dim, 1.0f, 0.0f);
      L.k_norm = b.vector(p + "attn_k_norm", c.head_dim, 1.0f, 0.0f);
    }
    L.ffn_norm = b.vector(p + "ffn_norm", D, 1.0f, 0.0f);
    if (post_norms) L.ffn_post_norm = b.vector(p + "post_ffw_norm", D, 1.0f, 0.0f);
    if (ln) L.ffn_norm_b = b.vector(p + "ffn_norm_b", D, 0.0f, 0.01f);
    if (moe) {
      const int64_t E = c.n_expert;
      L.attn_sinks = b.vector(p + "attn_sinks", c.n_head, 0.0f, 1.0f);
      L.ffn_gate_inp = mat(p + "ffn_gate_inp", E, D, sd);
      L.ffn_gate_inp_b = b.vector(p + "ffn_gate_inp.bias", E, 0.0f, 0.02f);
      L.ffn_gate_exps = mat(p + "ffn_gate_exps", E * F, D, sd, true);
      L.ffn_up_exps = mat(p + "ffn_up_exps", E * F, D, sd, true);
      L.ffn_down_exps = mat(p + "ffn_down_exps", E * D, F, out_gain * sf, true);
      L.ffn_gate_exps_b = b.vector(p + "ffn_gate_exps.bias", E * F, 0.0f, 0.02f);
      L.ffn_up_exps_b = b.vector(p + "ffn_up_exps.bias", E * F, 0.0f, 0.02f);
      L.ffn_down_exps_b = b.vector(p + "ffn_down_exps.bias", E * D, 0.0f, 0.02f);
      continue;
    }
    if (ffn_is_gated(c.ffn)) L.ffn_gate = b.matrix(p + "ffn_gate", F, D, sd);
    L.ffn_up = b.matrix(p + "ffn_up", F, D, sd);
    L.ffn_down = b.matrix(p + "ffn_down", D, F, out_gain * sf);
    if (c.ffn_bias) {
      L.ffn_up_b = b.vector(p + "ffn_up.bias", F, 0.0f, 0.02f);
      L.ffn_down_b = b.vector(p + "ffn_down.bias", D, 0.0f, 0.02f);
    }
  }
  model::formats::GgufExportOptions eo;
  eo.type = type;
  eo.name = o.name.empty() ? "synth-" + shape : o.name;
  eo.vocab = o.vocab.empty() ? nullptr : &vocab;
  model::formats::export_gguf(c, w, path, eo);
}

}  // namespace sinkstream::eval
