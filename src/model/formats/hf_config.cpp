#include "model/formats/hf_config.hpp"

#include <limits>

#include "io/checked_values.hpp"
#include "io/json_fields.hpp"
#include "model/arch/registry.hpp"

namespace sinkstream::model::formats {

namespace {

void validate(const io::JsonFields& f, const ModelConfig& c) {
  // The caps the GGUF reader applies (io/checked_values.hpp); they also keep
  // head counts far below the 2^30 where the ALiBi slope arithmetic overflows.
  struct Cap {
    const char* field;
    int64_t value, lo, hi;
  };
  for (const Cap& k : {Cap{"num_hidden_layers", c.n_layer, 1, io::kMaxLayers}, Cap{"num_attention_heads", c.n_head, 1, io::kMaxHeads},
                       Cap{"num_key_value_heads", c.n_head_kv, 1, io::kMaxHeads}, Cap{"hidden_size", c.n_embd, 1, io::kMaxEmbd},
                       Cap{"intermediate_size", c.n_ff, 1, io::kMaxFf}, Cap{"head_dim", c.head_dim, 1, io::kMaxHeadDim},
                       Cap{"vocab_size", c.n_vocab, 1, io::kMaxVocab},
                       Cap{"max_position_embeddings", c.n_ctx_train, 0, io::kMaxContext}}) {
    if (!io::checked_i32(k.value, k.lo, k.hi)) f.fail(k.field, io::outside_range(k.value, k.lo, k.hi));
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
  const nlohmann::json j = io::parse_json_object(json_text, path);
  const io::JsonFields f(j, path);
  HfConfig out;
  out.model_type = f.string_or("model_type", "");
  const std::string& mt = out.model_type;
  if (mt.empty()) f.fail("model_type", "is missing");
  const arch::ArchSpec* a = arch::find_hf_arch(mt);
  if (a == nullptr) {
    f.unsupported("model_type", "'" + mt + "' is not supported (" + arch::known_hf_model_types() + ")");
  }
  ModelConfig& c = out.config;
  c = arch::config_from_layout(a->layout, a->name);
  c.attn_bias = a->layout.qkv_bias == arch::Bias::kAlways;
  c.ffn_bias = a->layout.ffn_bias == arch::Bias::kAlways;
  a->read_hf_config(f, mt, c);
  validate(f, c);
  return out;
}

HfConfig load_hf_config(const std::string& path) { return parse_hf_config(io::read_text_file(path), path); }

}  // namespace sinkstream::model::formats
