#include "sinkstream/model.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>

#include "api/model_access.hpp"
#include "core/dtype.hpp"
#include "io/gguf.hpp"
#include "io/hf_folder.hpp"
#include "model/formats/gguf_model.hpp"
#include "model/formats/hf_model.hpp"
#include "model/formats/llama2c_model.hpp"
#include "tokenizer/gguf_tokenizer.hpp"
#include "tokenizer/hf_tokenizer_json.hpp"
#include "io/mapped_file.hpp"
#include "model/weights.hpp"
#include "sinkstream/error.hpp"
#include "tokenizer/llama2c_tokenizer.hpp"
#include "tokenizer/llama2c_vocab.hpp"
#include "tokenizer/vocab_data.hpp"

namespace sinkstream {

struct Model::Impl {
  std::string path;
  std::string format;
  ModelConfig config;
  model::ModelWeights weights;
  bool has_weights = false;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<tokenizer::VocabData> vocab;  // GGUF-style description of the tokenizer, when known
  // Weights the backends prepared for their kernels (repacked panels), shared by all sessions.
  std::shared_ptr<backend::WeightCache> weight_cache = std::make_shared<backend::WeightCache>();
};

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

const ModelConfig& Model::config() const { return impl_->config; }
bool Model::has_tokenizer() const { return impl_->tokenizer != nullptr; }
bool Model::has_weights() const { return impl_->has_weights; }
const std::string& Model::path() const { return impl_->path; }
const std::string& Model::format() const { return impl_->format; }
namespace api {
const model::ModelWeights& ModelAccess::weights(const Model& m) { return m.impl_->weights; }
const tokenizer::VocabData* ModelAccess::vocab(const Model& m) { return m.impl_->vocab.get(); }
std::shared_ptr<backend::WeightCache> ModelAccess::weight_cache(const Model& m) { return m.impl_->weight_cache; }
}  // namespace api

namespace {
double tensor_bytes(const core::TensorView& t) {
  return t.empty() ? 0.0 : static_cast<double>(core::dtype_row_bytes(t.type, t.cols)) * static_cast<double>(t.rows);
}

// Every weight tensor of a layer (empty views for the ones it lacks).
std::array<const core::TensorView*, 29> layer_tensors(const model::LayerWeights& L) {
  return {&L.attn_norm,     &L.attn_norm_b,     &L.wq,           &L.wk,           &L.wv,
          &L.wo,            &L.bq,              &L.bk,           &L.bv,           &L.bo,
          &L.q_norm,        &L.k_norm,          &L.attn_sinks,   &L.attn_gate,    &L.ffn_norm,
          &L.ffn_norm_b,    &L.ffn_gate,        &L.ffn_up,       &L.ffn_down,     &L.ffn_up_b,
          &L.ffn_down_b,    &L.ffn_gate_inp,    &L.ffn_gate_inp_b, &L.ffn_gate_exps, &L.ffn_up_exps,
          &L.ffn_down_exps, &L.ffn_gate_exps_b, &L.ffn_up_exps_b, &L.ffn_down_exps_b};
}
}  // namespace

std::vector<WeightTypeSummary> Model::weight_types() const {
  std::vector<WeightTypeSummary> out;
  auto add = [&](const core::TensorView& t) {
    if (t.empty()) return;
    const std::string name = core::dtype_name(t.type);
    auto it = std::find_if(out.begin(), out.end(), [&](const WeightTypeSummary& s) { return s.type == name; });
    if (it == out.end()) it = out.insert(out.end(), WeightTypeSummary{name, 0, 0.0});
    it->parameters += t.numel();
    it->bytes += tensor_bytes(t);
  };
  const model::ModelWeights& w = impl_->weights;
  for (const core::TensorView* t : {&w.tok_embd, &w.pos_embd, &w.sink_token_embd, &w.output_norm, &w.output_norm_b}) add(*t);
  if (w.output.data != w.tok_embd.data) add(w.output);
  for (const model::LayerWeights& L : w.layers) {
    for (const core::TensorView* t : layer_tensors(L)) add(*t);
  }
  std::sort(out.begin(), out.end(), [](const WeightTypeSummary& a, const WeightTypeSummary& b) { return a.type < b.type; });
  return out;
}

double Model::decode_weight_bytes() const {
  const model::ModelWeights& w = impl_->weights;
  const ModelConfig& c = impl_->config;
  double b = tensor_bytes(w.output);
  // Mixture of experts: a token reads the router and only its n_expert_used experts.
  const double active = c.n_expert > 0 ? static_cast<double>(c.n_expert_used) / static_cast<double>(c.n_expert) : 1.0;
  for (const model::LayerWeights& L : w.layers) {
    for (const core::TensorView* t : {&L.wq, &L.wk, &L.wv, &L.wo, &L.ffn_gate, &L.ffn_up, &L.ffn_down, &L.ffn_gate_inp}) {
      b += tensor_bytes(*t);
    }
    for (const core::TensorView* t : {&L.ffn_gate_exps, &L.ffn_up_exps, &L.ffn_down_exps}) b += active * tensor_bytes(*t);
  }
  return b;
}

bool Model::has_sink_token() const { return !impl_->weights.sink_token_embd.empty(); }

bool Model::has_learned_sink_logits() const {
  for (const model::LayerWeights& L : impl_->weights.layers) {
    if (!L.attn_sinks.empty()) return true;
  }
  return false;
}

const Tokenizer& Model::tokenizer() const {
  if (!impl_->tokenizer) {
    throw Error(ErrorKind::kInvalidArg, impl_->path + ": model has no tokenizer (pass one with -z/--tokenizer)");
  }
  return *impl_->tokenizer;
}

int64_t Model::parameter_count() const {
  const model::ModelWeights& w = impl_->weights;
  int64_t n = w.tok_embd.numel() + w.pos_embd.numel() + w.output_norm.numel() + w.output_norm_b.numel();
  if (w.output.data != w.tok_embd.data) n += w.output.numel();
  for (const auto& l : w.layers) {
    for (const core::TensorView* t : layer_tensors(l)) n += t->numel();
  }
  return n;
}

namespace {

// llama2.c keeps the tokenizer apart: look beside the model.
std::string find_llama2c_tokenizer(const std::string& model_path, int32_t vocab) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(model_path).parent_path();
  for (const std::string& name : {std::string("tokenizer.bin"), "tok" + std::to_string(vocab) + ".bin"}) {
    const fs::path p = dir / name;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return {};
}

// GGUF: a full model, or a vocab-only file (tokenizer metadata, no tensors).
std::shared_ptr<const Model> load_gguf(const std::string& path, const LoadOptions& options) {
  const std::shared_ptr<const io::gguf::File> f = io::gguf::File::open(path);
  auto impl = std::make_unique<Model::Impl>();
  impl->path = path;
  impl->format = "gguf";
  if (f->has("tokenizer.ggml.model")) {
    impl->vocab = std::make_unique<tokenizer::VocabData>(tokenizer::vocab_from_gguf(*f));
    impl->tokenizer = tokenizer::make_vocab_tokenizer(*impl->vocab);
  }
  const bool vocab_only = f->tensors().empty();
  if (vocab_only || options.tokenizer_only) {
    if (!impl->tokenizer) throw Error(ErrorKind::kFormat, path + ": GGUF file has neither tensors nor a tokenizer");
    if (!vocab_only) impl->config = model::formats::gguf_model_config(*f);
    impl->config.arch = f->get_string("general.architecture", "unknown");
    impl->config.n_vocab = impl->tokenizer->vocab_size();
    impl->has_weights = false;
  } else {
    model::formats::GgufModel g = model::formats::load_gguf_model(f);
    impl->config = g.config;
    impl->weights = std::move(g.weights);
    impl->has_weights = true;
    if (impl->tokenizer && impl->tokenizer->vocab_size() > impl->config.n_vocab) {
      throw Error(ErrorKind::kFormat, path + ": tokenizer has " + std::to_string(impl->tokenizer->vocab_size()) +
                                          " tokens but token_embd.weight only " + std::to_string(impl->config.n_vocab));
    }
  }
  return std::make_shared<const Model>(std::move(impl));
}

}  // namespace

std::shared_ptr<const Model> Model::load(const std::string& path, const LoadOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(ErrorKind::kIo, path + ": no such file or directory");
  if (fs::is_directory(path, ec)) {
    if (!io::is_hf_folder(path)) {
      throw Error(ErrorKind::kUnsupported, path + ": a folder without config.json (not a Hugging Face model)");
    }
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->format = "hf";
    model::formats::HfModel hf = model::formats::load_hf_model(path);
    impl->config = hf.config;
    impl->weights = std::move(hf.weights);
    impl->has_weights = !options.tokenizer_only;
    if (fs::is_regular_file(fs::path(path) / "tokenizer.json", ec)) {
      impl->vocab = std::make_unique<tokenizer::VocabData>(tokenizer::vocab_from_hf_tokenizer_json(path));
      impl->tokenizer = tokenizer::make_vocab_tokenizer(*impl->vocab);
    }
    return std::make_shared<const Model>(std::move(impl));
  }
  auto file = std::make_shared<const io::MappedFile>(path);
  if (file->size() >= 4 && std::memcmp(file->data(), "GGUF", 4) == 0) return load_gguf(path, options);
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->format = "llama2c";
  model::formats::Llama2cCheckpoint ck = model::formats::load_llama2c(file);
  impl->config = ck.config;
  impl->weights = std::move(ck.weights);
  impl->has_weights = !options.tokenizer_only;
  std::string tok = options.tokenizer_path;
  if (tok.empty()) tok = find_llama2c_tokenizer(path, impl->config.n_vocab);
  if (!tok.empty()) {
    auto t = std::make_unique<tokenizer::Llama2cTokenizer>(tok, impl->config.n_vocab);
    impl->vocab = std::make_unique<tokenizer::VocabData>(tokenizer::vocab_from_llama2c(*t));
    impl->tokenizer = std::move(t);
  }
  return std::make_shared<const Model>(std::move(impl));
}

}  // namespace sinkstream
