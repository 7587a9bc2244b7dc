#include "model/arch/hf_config_helpers.hpp"

#include <cmath>

namespace sinkstream::model::arch {

using io::req_i32;

FfnKind gelu_kind(const io::JsonFields& f, const char* key, const std::string& act) {
  if (act == "gelu") return FfnKind::kGeluErf;
  if (act == "gelu_new" || act == "gelu_pytorch_tanh") return FfnKind::kGelu;
  f.unsupported(key, "activation '" + act + "' is not supported (gelu, gelu_new, gelu_pytorch_tanh)");
}

namespace {

std::vector<double> factor_list(const io::JsonFields& s, const char* key, const nlohmann::json& scaling) {
  if (!scaling.contains(key) || !scaling.at(key).is_array()) s.fail(key, "must be a list of numbers");
  std::vector<double> out;
  for (const nlohmann::json& v : scaling.at(key)) {
    if (!v.is_number() || !(v.get<double>() > 0.0)) s.fail(key, "must hold numbers > 0");
    out.push_back(v.get<double>());
  }
  return out;
}

// LongRoPE's lists, original context and attention factor (transformers' defaults:
// factor = max_position_embeddings / original, attention factor sqrt(1 + ln(factor) / ln(original))
// when factor > 1, else 1).
void read_longrope(const io::JsonFields& f, const io::JsonFields& s, ModelConfig& c) {
  const nlohmann::json* rp = f.object("rope_parameters");
  const nlohmann::json& scaling = rp != nullptr ? *rp : *f.object("rope_scaling");
  RopeScaling& r = c.rope_scaling;
  r.kind = RopeScalingKind::kFactors;
  r.long_factors = factor_list(s, "long_factor", scaling);
  r.short_factors = factor_list(s, "short_factor", scaling);
  r.original_context = s.integer_or("original_max_position_embeddings", f.integer_or("original_max_position_embeddings", 0));
  if (r.original_context <= 0) s.fail("original_max_position_embeddings", "must be > 0 for longrope");
  r.factor = s.number_or("factor", static_cast<double>(c.n_ctx_train) / static_cast<double>(r.original_context));
  r.attn_factor = s.number_or("attention_factor",
                              r.factor <= 1.0 ? 1.0
                                              : std::sqrt(1.0 + std::log(r.factor) /
                                                                    std::log(static_cast<double>(r.original_context))));
  if (!(r.attn_factor > 0.0)) s.fail("attention_factor", "must be > 0");
  if (!(r.factor > 0.0)) r.factor = 1.0;
}

// After n_rot is known: the lists' lengths, and the list this model uses.
void choose_longrope_factors(const io::JsonFields& f, ModelConfig& c) {
  RopeScaling& r = c.rope_scaling;
  const size_t half = static_cast<size_t>(c.n_rot / 2);
  if (r.long_factors.size() != half || r.short_factors.size() != half) {
    f.fail("rope_scaling", "longrope factor lists have " + std::to_string(r.long_factors.size()) + " and " +
                               std::to_string(r.short_factors.size()) + " values for " + std::to_string(half) +
                               " rotated pairs");
  }
  if (c.n_rot != c.head_dim && r.attention_factor() != 1.0) {
    f.unsupported("partial_rotary_factor", "with a longrope attention factor is not supported");
  }
  r.freq_factors = c.n_ctx_train > r.original_context ? r.long_factors : r.short_factors;
}

// YaRN parameters as HF transformers reads them (factor, original context, beta_fast / beta_slow
// defaulting to 32 / 1, truncate defaulting to true, attention_factor defaulting to 0.1 ln(factor) + 1).
void read_hf_yarn(const io::JsonFields& s, const io::JsonFields& top, ModelConfig& c) {
  RopeScaling& r = c.rope_scaling;
  r.kind = RopeScalingKind::kYarn;
  r.factor = s.number("factor");
  r.original_context = s.has("original_max_position_embeddings") ? s.integer("original_max_position_embeddings")
                                                                   : top.integer("original_max_position_embeddings");
  r.beta_fast = s.number_or("beta_fast", 32.0);
  r.beta_slow = s.number_or("beta_slow", 1.0);
  r.truncate = s.boolean_or("truncate", true);
  r.attn_factor = s.number_or("attention_factor", 0.0);
  if (s.has("mscale") || s.has("mscale_all_dim")) s.unsupported("mscale", "YaRN with mscale is not supported");
  if (r.original_context <= 0) s.fail("original_max_position_embeddings", "must be > 0");
  if (!(r.beta_fast > 0.0) || !(r.beta_slow > 0.0)) s.fail("beta_fast", "beta_fast and beta_slow must be > 0");
}

}  // namespace

void read_hf_rope(const io::JsonFields& f, ModelConfig& c, double default_theta, double default_partial) {
  const nlohmann::json* rp = f.object("rope_parameters");
  const nlohmann::json* rs = f.object("rope_scaling");
  if (rp != nullptr) {
    for (const auto& [k, v] : rp->items()) {
      if (v.is_object()) {
        f.unsupported("rope_parameters", "holds per-layer-type parameters ('" + k + "'): not supported");
      }
    }
  }
  c.rope_theta = f.number_or("rope_theta", f.number_or("rotary_emb_base", default_theta));
  double partial = f.number_or("partial_rotary_factor", f.number_or("rotary_pct", default_partial));
  const nlohmann::json* scaling = rp != nullptr ? rp : rs;
  const char* scaling_key = rp != nullptr ? "rope_parameters" : "rope_scaling";
  if (scaling != nullptr) {
    const io::JsonFields s = f.nested(*scaling, scaling_key);
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
    } else if (type == "longrope" || type == "su") {
      read_longrope(f, s, c);
    } else if (type == "yarn") {
      read_hf_yarn(s, f, c);
    } else if (type != "default") {
      s.unsupported("rope_type", "'" + type + "' is not supported (default, linear, llama3, longrope, yarn)");
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
  if (!c.rope_scaling.long_factors.empty()) choose_longrope_factors(f, c);
}

void read_hf_layer_windows(const io::JsonFields& f, ModelConfig& c, int32_t window, bool (*sliding)(int32_t l, int32_t period),
                           int32_t period) {
  c.sliding_window = window;
  c.layer_window.clear();
  const std::vector<std::string> types = f.strings_or_empty("layer_types");
  if (!types.empty() && types.size() != static_cast<size_t>(c.n_layer)) {
    f.fail("layer_types", "has " + std::to_string(types.size()) + " entries for " + std::to_string(c.n_layer) + " layers");
  }
  if (window <= 0) return;
  c.layer_window.assign(static_cast<size_t>(c.n_layer), 0);
  for (int32_t l = 0; l < c.n_layer; ++l) {
    bool on = sliding(l, period);
    if (!types.empty()) {
      const std::string& t = types[static_cast<size_t>(l)];
      if (t != "sliding_attention" && t != "full_attention") {
        f.unsupported("layer_types", "entry '" + t + "' is not supported (sliding_attention, full_attention)");
      }
      on = t == "sliding_attention";
    }
    if (on) c.layer_window[static_cast<size_t>(l)] = window;
  }
}

void read_hf_llama_sizes(const io::JsonFields& f, ModelConfig& c, double eps) {
  c.n_embd = req_i32(f, "hidden_size");
  c.n_ff = req_i32(f, "intermediate_size");
  c.n_layer = req_i32(f, "num_hidden_layers");
  c.n_head = req_i32(f, "num_attention_heads");
  c.n_head_kv = f.has("num_key_value_heads") ? req_i32(f, "num_key_value_heads") : c.n_head;
  c.head_dim = hf_head_dim(f, c.n_embd, c.n_head);
  c.n_vocab = req_i32(f, "vocab_size");
  c.n_ctx_train = io::opt_i32(f, "max_position_embeddings", 0);
  c.norm_eps = static_cast<float>(f.number_or("rms_norm_eps", eps));
}

int32_t hf_head_dim(const io::JsonFields& f, int32_t hidden, int32_t n_head) {
  if (f.has("head_dim")) return req_i32(f, "head_dim");
  if (hidden % n_head != 0) f.fail("hidden_size", "is not a multiple of the number of attention heads");
  return hidden / n_head;
}

}  // namespace sinkstream::model::arch
