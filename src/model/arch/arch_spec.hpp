// One architecture family as a table entry: its names, how its hyperparameters
// are read from GGUF metadata and from a Hugging Face config.json, how its HF
// tensors map onto ModelWeights (whose slots carry GGUF's tensor names), and its
// block layout as data. One file per family under src/model/arch/ defines one
// entry; registry.cpp lists them. Nothing outside src/model/arch/ compares
// architecture names: it looks an entry up and reads its data.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "model/weights.hpp"
#include "sinkstream/model_config.hpp"

// The file-format types the entries' functions take (src/io); the entry files include their headers.
namespace sinkstream::io {
class HfTensors;
}  // namespace sinkstream::io
namespace sinkstream::io::gguf {
class File;
class Writer;
}  // namespace sinkstream::io::gguf
namespace sinkstream::io {
class JsonFields;
}  // namespace sinkstream::io

namespace sinkstream::model::arch {

// Whether a group of projections carries biases in this family.
enum class Bias {
  kNone,      // never
  kOptional,  // when the model's config turns them on (ModelConfig::attn_bias / ffn_bias)
  kAlways,    // always
};

// The block layout of a family, as data. Per-model switches (ModelConfig::
// parallel_residual for GPT-NeoX, the activation of HF GELU models) start from
// these values and are overridden by the entry's readers.
struct BlockLayout {
  NormKind norm;                  // RMSNorm or LayerNorm (also picks the GGUF epsilon key)
  FfnKind ffn;                    // feed-forward kind of the family's GGUF files
  PositionKind positions;         // RoPE, ALiBi or learned positions
  RopeLayout gguf_rope_layout;    // how RoPE pairs the Q/K rows in this family's GGUF files
  bool parallel_residual;         // x += Attn(N1(x)) + FFN(N2(x)) instead of two sequential adds (GPT-NeoX:
                                  // ModelConfig::parallel_residual says whether a model uses it)
  bool ffn_norm;                  // every layer has its own ffn_norm (false: the parallel FFN reuses attn_norm)
  bool qk_norm;                   // per-head RMSNorm of q and k before RoPE
  bool gguf_fused_qkv;            // GGUF files store one blk.N.attn_qkv = [q; k; v] (llama.cpp's loaders)
  Bias qkv_bias, out_bias, ffn_bias;  // biases of q/k/v, of the attention output, of the feed-forward
  bool post_norms = false;            // layers norm their attention and feed-forward outputs before the adds (Gemma)
  bool gguf_fused_gate_up = false;    // GGUF files store one blk.N.ffn_up = [gate; up] (llama.cpp's Phi-3)
  bool gguf_output_required = false;  // llama.cpp's loader needs output.weight even when the classifier is tied
                                      // (GPT-2): GGUF export writes the embedding matrix there too
};

// The fields of a BlockLayout that a family changes from the block it derives from;
// fields left unset keep the base's value.
struct LayoutChanges {
  std::optional<NormKind> norm = {};
  std::optional<FfnKind> ffn = {};
  std::optional<PositionKind> positions = {};
  std::optional<RopeLayout> gguf_rope_layout = {};
  std::optional<bool> parallel_residual = {};
  std::optional<bool> ffn_norm = {};
  std::optional<bool> qk_norm = {};
  std::optional<bool> gguf_fused_qkv = {};
  std::optional<Bias> qkv_bias = {};
  std::optional<Bias> out_bias = {};
  std::optional<Bias> ffn_bias = {};
  std::optional<bool> post_norms = {};
  std::optional<bool> gguf_fused_gate_up = {};
  std::optional<bool> gguf_output_required = {};
};

// `base` with the fields `changes` sets replaced.
constexpr BlockLayout derive_layout(BlockLayout base, const LayoutChanges& changes) {
  BlockLayout l = base;
  l.norm = changes.norm.value_or(l.norm);
  l.ffn = changes.ffn.value_or(l.ffn);
  l.positions = changes.positions.value_or(l.positions);
  l.gguf_rope_layout = changes.gguf_rope_layout.value_or(l.gguf_rope_layout);
  l.parallel_residual = changes.parallel_residual.value_or(l.parallel_residual);
  l.ffn_norm = changes.ffn_norm.value_or(l.ffn_norm);
  l.qk_norm = changes.qk_norm.value_or(l.qk_norm);
  l.gguf_fused_qkv = changes.gguf_fused_qkv.value_or(l.gguf_fused_qkv);
  l.qkv_bias = changes.qkv_bias.value_or(l.qkv_bias);
  l.out_bias = changes.out_bias.value_or(l.out_bias);
  l.ffn_bias = changes.ffn_bias.value_or(l.ffn_bias);
  l.post_norms = changes.post_norms.value_or(l.post_norms);
  l.gguf_fused_gate_up = changes.gguf_fused_gate_up.value_or(l.gguf_fused_gate_up);
  l.gguf_output_required = changes.gguf_output_required.value_or(l.gguf_output_required);
  return l;
}

struct ArchSpec {
  std::string_view name;                        // GGUF general.architecture written and ModelConfig::arch
  std::span<const std::string_view> gguf_aliases = {};  // further general.architecture values read as this family
  std::span<const std::string_view> hf_model_types;  // config.json "model_type" values of this family
  BlockLayout layout;
  // GGUF name of the norm before the feed-forward (gpt-oss: llama.cpp's "post_attention_norm").
  std::string_view gguf_ffn_norm = "ffn_norm";
  // Which layers a GGUF file's <arch>.attention.sliding_window applies to when the file has no
  // <arch>.attention.layer_windows (llama.cpp's files): 0 = every layer; N = every layer except
  // each N-th (layers N-1, 2N-1, ... attend to everything: Gemma 2 has N = 2, Gemma 3 N = 6).
  int32_t gguf_swa_period = 0;

  // config.json -> c (c starts as config_from_layout(layout, name), with attn_bias / ffn_bias
  // set where the layout says kAlways); model_type is the matched value.
  void (*read_hf_config)(const io::JsonFields& f, const std::string& model_type, ModelConfig& c);
  // HF tensors -> w: checks every shape against c, fills w.layers[n_layer], and sets
  // c.tied_embeddings from whether a separate classifier matrix exists.
  void (*map_hf_tensors)(io::HfTensors& t, ModelConfig& c, model::ModelWeights& w);
  // Family-specific GGUF metadata keys (`prefix` = "<general.architecture>.") -> c, after the
  // keys every family shares have been read. Null when the family has none.
  void (*read_gguf_keys)(const io::gguf::File& f, const std::string& prefix, ModelConfig& c) = nullptr;
  // The same keys written from c. Null when the family has none.
  void (*write_gguf_keys)(const ModelConfig& c, const std::string& prefix, io::gguf::Writer& w) = nullptr;
};

}  // namespace sinkstream::model::arch
