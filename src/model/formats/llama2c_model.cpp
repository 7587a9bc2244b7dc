#include "model/formats/llama2c_model.hpp"

#include <cstdlib>
#include <string>

#include "io/llama2c_file.hpp"
#include "model/arch/llama.hpp"
#include "model/arch/registry.hpp"

namespace sinkstream::model::formats {

namespace {

// A view of `rows` x `cols` f32 values at `data`.
core::TensorView f32_view(const std::string& name, const float* data, int64_t rows, int64_t cols) {
  core::TensorView t;
  t.name = name;
  t.type = core::DType::kF32;
  t.data = data;
  t.rows = rows;
  t.cols = cols;
  return t;
}

}  // namespace

Llama2cCheckpoint load_llama2c(std::shared_ptr<const io::MappedFile> file) {
  const io::Llama2cFile ll = io::read_llama2c(*file);
  const io::Llama2cHeader& h = ll.header;
  const io::Llama2cArrays& a = ll.arrays;
  Llama2cCheckpoint ck;
  ModelConfig& c = ck.config;
  c = arch::config_from_layout(arch::kLlama.layout, arch::kLlama.name);
  c.n_embd = h.dim;
  c.n_ff = h.hidden_dim;
  c.n_layer = h.n_layers;
  c.n_head = h.n_heads;
  c.n_head_kv = h.n_kv_heads;
  c.head_dim = h.dim / h.n_heads;
  c.n_vocab = static_cast<int32_t>(std::abs(static_cast<int64_t>(h.vocab_size)));
  c.n_ctx_train = h.seq_len;
  c.norm_eps = 1e-5f;
  c.rope_theta = 10000.0;
  c.n_rot = c.head_dim;
  c.rope_layout = RopeLayout::kInterleaved;
  c.tied_embeddings = h.vocab_size > 0;

  const int64_t D = c.n_embd, H = c.n_ff, L = c.n_layer, V = c.n_vocab, KV = c.kv_dim();
  model::ModelWeights& w = ck.weights;
  w.layers.resize(static_cast<size_t>(L));
  w.tok_embd = f32_view("token_embedding", a.token_embedding, V, D);
  // Array `base` holds L consecutive (rows, cols) matrices: layer li's is `what` of blk.li.
  auto per_layer = [&](const char* what, const float* base, int64_t rows, int64_t cols,
                       core::TensorView model::LayerWeights::*member) {
    for (int64_t li = 0; li < L; ++li) {
      w.layers[static_cast<size_t>(li)].*member =
          f32_view("blk." + std::to_string(li) + "." + what, base + li * rows * cols, rows, cols);
    }
  };
  per_layer("attn_norm", a.rms_att, 1, D, &model::LayerWeights::attn_norm);
  per_layer("attn_q", a.wq, D, D, &model::LayerWeights::wq);
  per_layer("attn_k", a.wk, KV, D, &model::LayerWeights::wk);
  per_layer("attn_v", a.wv, KV, D, &model::LayerWeights::wv);
  per_layer("attn_output", a.wo, D, D, &model::LayerWeights::wo);
  per_layer("ffn_norm", a.rms_ffn, 1, D, &model::LayerWeights::ffn_norm);
  per_layer("ffn_gate", a.w1, H, D, &model::LayerWeights::ffn_gate);
  per_layer("ffn_down", a.w2, D, H, &model::LayerWeights::ffn_down);
  per_layer("ffn_up", a.w3, H, D, &model::LayerWeights::ffn_up);
  w.output_norm = f32_view("output_norm", a.rms_final, 1, D);
  w.output = c.tied_embeddings ? w.tok_embd : f32_view("output", a.classifier, V, D);
  w.owners.push_back(file);
  return ck;
}

}  // namespace sinkstream::model::formats
