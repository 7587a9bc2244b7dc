#include "io/hf_config.hpp"

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/checked_values.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {

namespace {

using nlohmann::json;

// Typed accessors over one JSON object; every error names the file and the
// field (with its parent object as prefix, e.g. "rope_parameters.factor").
class Fields {
 public:
  Fields(const json& j, const std::string& path, std::string prefix = "")
      : j_(j), path_(path), prefix_(std::move(prefix)) {}

  // Present and not null.
  bool has(const char* key) const { return j_.contains(key) && !j_.at(key).is_null(); }

  double number(const char* key) const {
    const json& v = get(key);
    if (!v.is_number()) fail(key, "must be a number");
    return v.get<double>();
  }
  double number_or(const char* key, double def) const { return has(key) ? number(key) : def; }

  int64_t integer(const char* key) const {
    const json& v = get(key);
    if (v.is_number_integer()) return v.get<int64_t>();
    if (v.is_number_float()) {
      const double d = v.get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) return static_cast<int64_t>(d);
    }
    fail(key, "must be an integer");
  }
  int64_t integer_or(const char* key, int64_t def) const { return has(key) ? integer(key) : def; }

  bool boolean_or(const char* key, bool def) const {
    if (!has(key)) return def;
    const json& v = j_.at(key);
    if (!v.is_boolean()) fail(key, "must be true or false");
    return v.get<bool>();
  }

  std::string string_or(const char* key, const std::string& def) const {
    if (!has(key)) return def;
    const json& v = j_.at(key);
    if (!v.is_string()) fail(key, "must be a string");
    return v.get<std::string>();
  }

  // The nested object at key, or nullptr when absent or null.
  const json* object(const char* key) const {
    if (!has(key)) return nullptr;
    const json& v = j_.at(key);
    if (!v.is_object()) fail(key, "must be an object");
    return &v;
  }

  Fields nested(const json& obj, const char* key) const { return Fields(obj, path_, prefix_ + key + "."); }

  [[noreturn]] void fail(const char* key, const std::string& what) const {
    throw Error(ErrorKind::kFormat, path_ + ": field '" + prefix_ + key + "' " + what);
  }
  [[noreturn]] void unsupported(const char* key, const std::string& what) const {
    throw Error(ErrorKind::kUnsupported, path_ + ": field '" + prefix_ + key + "' " + what);
  }

  const std::string& path() const { return path_; }

 private:
  const json& get(const char* key) const {
    if (!has(key)) fail(key, "is missing");
    return j_.at(key);
  }

  const json& j_;
  std::string path_;
  std::string prefix_;
};

int32_t to_i32(const Fields& f, const char* key, int64_t v) {
  if (v <= 0 || v > std::numeric_limits<int32_t>::max()) {
    f.fail(key, "must be a positive 32-bit integer (got " + std::to_string(v) + ")");
  }
  return static_cast<int32_t>(v);
}

int32_t req_i32(const Fields& f, const char* key) { return to_i32(f, key, f.integer(key)); }

// Optional non-negative 32-bit field (0 allowed), `def` when absent.
int32_t opt_i32(const Fields& f, const char* key, int32_t def) {
  const int64_t v = f.integer_or(key, def);
  if (v < 0 || v > std::numeric_limits<int32_t>::max()) {
    f.fail(key, "must be a non-negative 32-bit integer (got " + std::to_string(v) + ")");
  }
  return static_cast<int32_t>(v);
}

// The first of several aliases that is present (HF attribute maps), else fails on the first.
int32_t req_i32_alias(const Fields& f, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    if (f.has(k)) return req_i32(f, k);
  }
  f.fail(*keys.begin(), "is missing");
}

FfnKind gelu_kind(const Fields& f, const char* key, const std::string& act) {
  if (act == "gelu") return FfnKind::kGeluErf;
  if (act == "gelu_new" || act == "gelu_pytorch_tanh") return FfnKind::kGelu;
  f.unsupported(key, "activation '" + act + "' is not supported (gelu, gelu_new, gelu_pytorch_tanh)");
}

// RoPE base, scaling and partial rotation, from either dialect.
void parse_rope(const Fields& f, ModelConfig& c, double default_theta, double default_partial) {
  const json* rp = f.object("rope_parameters");
  const json* rs = f.object("rope_scaling");
  if (rp != nullptr) {
    for (const auto& [k, v] : rp->items()) {
      if (v.is_object()) {
        f.unsupported("rope_parameters", "holds per-layer-type parameters ('" + k + "'): not supported");
      }
    }
  }
  c.rope_theta = f.number_or("rope_theta", f.number_or("rotary_emb_base", default_theta));
  double partial = f.number_or("partial_rotary_factor", f.number_or("rotary_pct", default_partial));
  const json* scaling = rp != nullptr ? rp : rs;
  const char* scaling_key = rp != nullptr ? "rope_parameters" : "rope_scaling";
  if (scaling != nullptr) {
    const Fields s = f.nested(*scaling, scaling_key);
    if (rp != nullptr) {
      c.rope_theta = s.number_or("rope_theta", c.rope_theta);
      partial = s.number_or("partial_rotary_factor", partial);
    }
    const std::string type = s.string_or("rope_type", s.string_or("type", "default"));
    if (type == "linear") {
      c.rope_scaling.kind = RopeScalingKind::kLinear;
      c.rope_scaling.factor = s.number("factor");
    } else if (type == "llama3") {
      c.rope_scaling.kind = RopeScalingKind::kLlama3;
      c.rope_scaling.factor = s.number("factor");
      c.rope_scaling.low_freq_factor = s.number("low_freq_factor");
      c.rope_scaling.high_freq_factor = s.number("high_freq_factor");
      c.rope_scaling.original_context = s.integer("original_max_position_embeddings");
      if (!(c.rope_scaling.high_freq_factor > c.rope_scaling.low_freq_factor) ||
          !(c.rope_scaling.low_freq_factor > 0.0) || c.rope_scaling.original_context <= 0) {
        s.fail("high_freq_factor", "must exceed low_freq_factor > 0 (and original_max_position_embeddings > 0)");
      }
    } else if (type != "default") {
      s.unsupported("rope_type", "'" + type + "' is not supported (default, linear, llama3)");
    }
    if (c.rope_scaling.kind != RopeScalingKind::kNone && !(c.rope_scaling.factor > 0.0)) {
      s.fail("factor", "must be > 0");
    }
  }
  if (!(c.rope_theta > 0.0)) f.fail("rope_theta", "must be > 0");
  if (!(partial > 0.0 && partial <= 1.0)) f.fail("partial_rotary_factor", "must be in (0, 1]");
  c.positions = PositionKind::kRope;
  c.rope_layout = RopeLayout::kHalves;
  c.n_rot = static_cast<int32_t>(static_cast<double>(c.head_dim) * partial);  // int(), as HF truncates
  if (c.n_rot < 2 || c.n_rot % 2 != 0) {
    f.fail("partial_rotary_factor", "gives " + std::to_string(c.n_rot) + " rotated dims of head_dim " +
                                        std::to_string(c.head_dim) + ": must be even and >= 2");
  }
}

// head_dim: explicit, else hidden / heads (which must divide).
int32_t head_dim_of(const Fields& f, int32_t hidden, int32_t n_head) {
  if (f.has("head_dim")) return req_i32(f, "head_dim");
  if (hidden % n_head != 0) f.fail("hidden_size", "is not a multiple of the number of attention heads");
  return hidden / n_head;
}

// llama, mistral, qwen2, qwen3: pre-RMSNorm, SwiGLU, RoPE (halves).
void parse_llama_like(const Fields& f, const std::string& model_type, ModelConfig& c) {
  c.arch = (model_type == "qwen2" || model_type == "qwen3") ? model_type : "llama";  // GGUF: mistral is llama
  c.n_embd = req_i32(f, "hidden_size");
  c.n_ff = req_i32(f, "intermediate_size");
  c.n_layer = req_i32(f, "num_hidden_layers");
  c.n_head = req_i32(f, "num_attention_heads");
  c.n_head_kv = f.has("num_key_value_heads") ? req_i32(f, "num_key_value_heads") : c.n_head;
  c.head_dim = head_dim_of(f, c.n_embd, c.n_head);
  c.n_vocab = req_i32(f, "vocab_size");
  c.n_ctx_train = opt_i32(f, "max_position_embeddings", 0);
  c.norm = NormKind::kRms;
  c.norm_eps = static_cast<float>(f.number_or("rms_norm_eps", 1e-6));
  const std::string act = f.string_or("hidden_act", "silu");
  if (act != "silu" && act != "swish") f.unsupported("hidden_act", "'" + act + "' is not supported (silu)");
  c.ffn = FfnKind::kSwiGlu;
  c.tied_embeddings = f.boolean_or("tie_word_embeddings", false);
  c.attn_bias = model_type == "qwen2" ? true : f.boolean_or("attention_bias", false);
  c.ffn_bias = f.boolean_or("mlp_bias", false);
  c.qk_norm = model_type == "qwen3";
  if (model_type == "mistral") {
    c.sliding_window = opt_i32(f, "sliding_window", 0);
  } else if (f.boolean_or("use_sliding_window", false)) {
    c.sliding_window = opt_i32(f, "sliding_window", 0);
  }
  parse_rope(f, c, 10000.0, 1.0);
}

// gpt_neox: LayerNorm, fused per-head q/k/v, partial rotary, GELU, parallel residual.
void parse_neox(const Fields& f, ModelConfig& c) {
  c.arch = "gptneox";
  c.n_embd = req_i32(f, "hidden_size");
  c.n_ff = req_i32(f, "intermediate_size");
  c.n_layer = req_i32(f, "num_hidden_layers");
  c.n_head = req_i32(f, "num_attention_heads");
  c.n_head_kv = c.n_head;
  if (c.n_embd % c.n_head != 0) f.fail("hidden_size", "is not a multiple of num_attention_heads");
  c.head_dim = c.n_embd / c.n_head;
  c.n_vocab = req_i32(f, "vocab_size");
  c.n_ctx_train = opt_i32(f, "max_position_embeddings", 0);
  c.norm = NormKind::kLayer;
  c.norm_eps = static_cast<float>(f.number_or("layer_norm_eps", 1e-5));
  c.ffn = gelu_kind(f, "hidden_act", f.string_or("hidden_act", "gelu"));
  c.tied_embeddings = f.boolean_or("tie_word_embeddings", false);
  c.parallel_residual = f.boolean_or("use_parallel_residual", true);
  c.attn_bias = f.boolean_or("attention_bias", true);
  c.ffn_bias = true;
  parse_rope(f, c, 10000.0, 0.25);
}

// falcon (Falcon-7B layout): multi-query, parallel attention, one LayerNorm, RoPE.
void parse_falcon(const Fields& f, ModelConfig& c) {
  c.arch = "falcon";
  c.n_embd = req_i32(f, "hidden_size");
  c.n_layer = req_i32_alias(f, {"num_hidden_layers", "n_layer"});
  c.n_head = req_i32_alias(f, {"num_attention_heads", "n_head"});
  if (f.boolean_or("new_decoder_architecture", false)) {
    f.unsupported("new_decoder_architecture", "true (Falcon-40B/180B layout) is not supported yet");
  }
  if (f.boolean_or("alibi", false)) f.unsupported("alibi", "true (Falcon-RW) is not supported yet");
  if (!f.boolean_or("parallel_attn", true)) f.unsupported("parallel_attn", "false is not supported yet");
  c.n_head_kv = f.boolean_or("multi_query", true) ? 1 : c.n_head;
  if (c.n_embd % c.n_head != 0) f.fail("hidden_size", "is not a multiple of num_attention_heads");
  c.head_dim = c.n_embd / c.n_head;
  c.n_ff = f.has("ffn_hidden_size") ? req_i32(f, "ffn_hidden_size") : to_i32(f, "hidden_size", 4 * int64_t{c.n_embd});
  c.n_vocab = req_i32(f, "vocab_size");
  c.n_ctx_train = opt_i32(f, "max_position_embeddings", 2048);
  c.norm = NormKind::kLayer;
  c.norm_eps = static_cast<float>(f.number_or("layer_norm_epsilon", 1e-5));
  c.ffn = gelu_kind(f, "activation", f.string_or("activation", "gelu"));
  c.tied_embeddings = f.boolean_or("tie_word_embeddings", true);
  c.parallel_residual = true;
  c.attn_bias = c.ffn_bias = f.boolean_or("bias", false);
  parse_rope(f, c, 10000.0, 1.0);
}

// mpt: ALiBi, LayerNorm without biases, no linear biases, GELU.
void parse_mpt(const Fields& f, ModelConfig& c) {
  c.arch = "mpt";
  c.n_embd = req_i32(f, "d_model");
  c.n_head = req_i32(f, "n_heads");
  c.n_head_kv = c.n_head;
  c.n_layer = req_i32(f, "n_layers");
  if (c.n_embd % c.n_head != 0) f.fail("d_model", "is not a multiple of n_heads");
  c.head_dim = c.n_embd / c.n_head;
  c.n_ff = to_i32(f, "expansion_ratio", int64_t{opt_i32(f, "expansion_ratio", 4)} * c.n_embd);
  c.n_vocab = req_i32(f, "vocab_size");
  c.n_ctx_train = opt_i32(f, "max_seq_len", 2048);
  c.norm = NormKind::kLayer;
  c.norm_eps = static_cast<float>(f.number_or("layer_norm_epsilon", 1e-5));
  c.ffn = FfnKind::kGeluErf;
  c.tied_embeddings = true;
  if (!f.boolean_or("no_bias", true)) f.unsupported("no_bias", "false (biased MPT) is not supported yet");
  if (f.has("logit_scale")) f.unsupported("logit_scale", "is not supported yet");
  const json* attn = f.object("attn_config");
  const json empty = json::object();
  const Fields a = f.nested(attn != nullptr ? *attn : empty, "attn_config");
  if (!a.boolean_or("alibi", false)) a.unsupported("alibi", "false (learned positions) is not supported");
  if (a.has("clip_qkv")) a.unsupported("clip_qkv", "is not supported yet");
  if (a.boolean_or("qk_ln", false)) a.unsupported("qk_ln", "true is not supported yet");
  c.positions = PositionKind::kAlibi;
  c.alibi_max_bias = static_cast<float>(a.number_or("alibi_bias_max", 8.0));
  if (a.has("softmax_scale")) c.attn_scale = static_cast<float>(a.number("softmax_scale"));
  c.n_rot = 0;
}

// gpt2: learned positions, LayerNorm with biases, Conv1D projections, GELU.
void parse_gpt2(const Fields& f, ModelConfig& c) {
  c.arch = "gpt2";
  c.n_embd = req_i32(f, "n_embd");
  c.n_head = req_i32(f, "n_head");
  c.n_head_kv = c.n_head;
  c.n_layer = req_i32(f, "n_layer");
  if (c.n_embd % c.n_head != 0) f.fail("n_embd", "is not a multiple of n_head");
  c.head_dim = c.n_embd / c.n_head;
  c.n_ff = f.has("n_inner") ? req_i32(f, "n_inner") : to_i32(f, "n_embd", 4 * int64_t{c.n_embd});
  c.n_vocab = req_i32(f, "vocab_size");
  c.n_ctx_train = req_i32_alias(f, {"n_positions", "n_ctx"});
  c.norm = NormKind::kLayer;
  c.norm_eps = static_cast<float>(f.number_or("layer_norm_epsilon", 1e-5));
  c.ffn = gelu_kind(f, "activation_function", f.string_or("activation_function", "gelu_new"));
  c.tied_embeddings = true;
  c.attn_bias = c.ffn_bias = true;
  c.positions = PositionKind::kLearned;
  c.n_rot = 0;
  if (!f.boolean_or("scale_attn_weights", true)) c.attn_scale = 1.0f;
  if (f.boolean_or("scale_attn_by_inverse_layer_idx", false)) {
    f.unsupported("scale_attn_by_inverse_layer_idx", "true is not supported yet");
  }
}

void validate(const Fields& f, const ModelConfig& c) {
  // The caps the GGUF reader applies (io/checked_values.hpp); they also keep
  // head counts far below the 2^30 where the ALiBi slope arithmetic overflows.
  struct Cap {
    const char* field;
    int64_t value, lo, hi;
  };
  for (const Cap& k : {Cap{"num_hidden_layers", c.n_layer, 1, kMaxLayers}, Cap{"num_attention_heads", c.n_head, 1, kMaxHeads},
                       Cap{"num_key_value_heads", c.n_head_kv, 1, kMaxHeads}, Cap{"hidden_size", c.n_embd, 1, kMaxEmbd},
                       Cap{"intermediate_size", c.n_ff, 1, kMaxFf}, Cap{"head_dim", c.head_dim, 1, kMaxHeadDim},
                       Cap{"vocab_size", c.n_vocab, 1, kMaxVocab},
                       Cap{"max_position_embeddings", c.n_ctx_train, 0, kMaxContext}}) {
    if (!checked_i32(k.value, k.lo, k.hi)) f.fail(k.field, outside_range(k.value, k.lo, k.hi));
  }
  if (c.n_head % c.n_head_kv != 0) {
    f.fail("num_key_value_heads", "(" + std::to_string(c.n_head_kv) + ") must divide the number of heads (" +
                                      std::to_string(c.n_head) + ")");
  }
  if (c.n_rot > c.head_dim) f.fail("partial_rotary_factor", "rotates more dims than head_dim");
  if (int64_t{c.n_head} * c.head_dim > std::numeric_limits<int32_t>::max()) {
    f.fail("head_dim", "times the number of heads overflows 32 bits");
  }
  if (c.n_ctx_train < 0) f.fail("max_position_embeddings", "must be >= 0");
  if (!(c.norm_eps > 0.0f)) f.fail("layer_norm_eps", "(the norm epsilon) must be > 0");
}

}  // namespace

HfConfig parse_hf_config(const std::string& json_text, const std::string& path) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::exception& e) {
    throw Error(ErrorKind::kFormat, path + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw Error(ErrorKind::kFormat, path + ": top level must be a JSON object");
  const Fields f(j, path);
  HfConfig out;
  out.model_type = f.string_or("model_type", "");
  ModelConfig& c = out.config;
  const std::string& mt = out.model_type;
  if (mt == "llama" || mt == "mistral" || mt == "qwen2" || mt == "qwen3") parse_llama_like(f, mt, c);
  else if (mt == "gpt_neox") parse_neox(f, c);
  else if (mt == "falcon" || mt == "RefinedWeb" || mt == "RefinedWebModel") parse_falcon(f, c);
  else if (mt == "mpt") parse_mpt(f, c);
  else if (mt == "gpt2") parse_gpt2(f, c);
  else if (mt.empty()) f.fail("model_type", "is missing");
  else f.unsupported("model_type", "'" + mt + "' is not supported (llama, mistral, qwen2, qwen3, gpt_neox, falcon, mpt, gpt2)");
  validate(f, c);
  return out;
}

HfConfig load_hf_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::kIo, path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error(ErrorKind::kIo, path + ": read error");
  return parse_hf_config(ss.str(), path);
}

}  // namespace sinkstream
