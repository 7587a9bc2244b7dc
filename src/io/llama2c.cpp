#include "io/llama2c.hpp"

#include <cstdlib>
#include <cstring>
#include <limits>

#include "sinkstream/error.hpp"

namespace sinkstream {

namespace {

constexpr int64_t kMaxDim = 1 << 20;     // generous upper bounds: reject absurd headers
constexpr int64_t kMaxLayers = 4096;
constexpr int64_t kMaxVocab = 1 << 24;
constexpr int64_t kMaxSeq = 1 << 24;

struct Header {
  int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw Error(ErrorKind::kFormat, path + ": llama2.c checkpoint: " + what);
}

void check_range(const std::string& path, const char* field, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi) {
    fail(path, std::string("header field ") + field + " = " + std::to_string(v) + " is outside [" +
                   std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
}

// Total f32 count the header predicts (no overflow: every factor is bounded above).
struct Layout {
  int64_t floats_before_classifier;
  int64_t classifier_floats;
};

Layout layout_of(const Header& h) {
  const int64_t D = h.dim, H = h.hidden_dim, L = h.n_layers, V = std::abs(static_cast<int64_t>(h.vocab_size));
  const int64_t head = D / h.n_heads, KV = head * h.n_kv_heads;
  Layout l{};
  l.floats_before_classifier = V * D + L * D + L * D * D + 2 * L * KV * D + L * D * D + L * D + 3 * L * H * D + D +
                               static_cast<int64_t>(h.seq_len) * head;  // two tables of seq*head/2
  l.classifier_floats = h.vocab_size < 0 ? V * D : 0;
  return l;
}

Header read_header(const MappedFile& f) {
  Header h{};
  std::memcpy(&h, f.data(), sizeof(h));
  return h;
}

}  // namespace

bool looks_like_llama2c(const MappedFile& f) {
  if (f.size() < sizeof(Header)) return false;
  const Header h = read_header(f);
  if (h.dim <= 0 || h.hidden_dim <= 0 || h.n_layers <= 0 || h.n_heads <= 0 || h.n_kv_heads <= 0 || h.vocab_size == 0 ||
      h.seq_len <= 0)
    return false;
  return true;
}

Llama2cCheckpoint load_llama2c(std::shared_ptr<const MappedFile> file) {
  const std::string& path = file->path();
  if (file->size() == 0) fail(path, "file is empty");
  if (file->size() < sizeof(Header)) {
    fail(path, "file is " + std::to_string(file->size()) + " bytes, shorter than the 28-byte header");
  }
  const Header h = read_header(*file);
  check_range(path, "dim", h.dim, 1, kMaxDim);
  check_range(path, "hidden_dim", h.hidden_dim, 1, kMaxDim);
  check_range(path, "n_layers", h.n_layers, 1, kMaxLayers);
  check_range(path, "n_heads", h.n_heads, 1, h.dim);
  check_range(path, "n_kv_heads", h.n_kv_heads, 1, h.n_heads);
  check_range(path, "vocab_size (absolute value)", std::abs(static_cast<int64_t>(h.vocab_size)), 1, kMaxVocab);
  check_range(path, "seq_len", h.seq_len, 1, kMaxSeq);
  if (h.dim % h.n_heads != 0) {
    fail(path, "dim " + std::to_string(h.dim) + " is not divisible by n_heads " + std::to_string(h.n_heads));
  }
  if (h.n_heads % h.n_kv_heads != 0) {
    fail(path, "n_heads " + std::to_string(h.n_heads) + " is not divisible by n_kv_heads " +
                   std::to_string(h.n_kv_heads));
  }
  const int64_t head = h.dim / h.n_heads;
  if (head % 2 != 0) fail(path, "head size " + std::to_string(head) + " is odd; RoPE needs pairs");

  const Layout l = layout_of(h);
  const int64_t total_floats = l.floats_before_classifier + l.classifier_floats;
  // Bounds above keep total_floats below 2^62; the multiplication cannot overflow.
  const int64_t expected = static_cast<int64_t>(sizeof(Header)) + 4 * total_floats;
  if (static_cast<int64_t>(file->size()) != expected) {
    fail(path, "header (dim " + std::to_string(h.dim) + ", hidden " + std::to_string(h.hidden_dim) + ", layers " +
                   std::to_string(h.n_layers) + ", heads " + std::to_string(h.n_heads) + "/" +
                   std::to_string(h.n_kv_heads) + ", vocab " + std::to_string(h.vocab_size) + ", seq_len " +
                   std::to_string(h.seq_len) + ") needs " + std::to_string(expected) + " bytes but the file has " +
                   std::to_string(file->size()) + (static_cast<int64_t>(file->size()) < expected ? " (truncated?)" : ""));
  }

  Llama2cCheckpoint ck;
  ModelConfig& c = ck.config;
  c.arch = "llama";
  c.n_embd = h.dim;
  c.n_ff = h.hidden_dim;
  c.n_layer = h.n_layers;
  c.n_head = h.n_heads;
  c.n_head_kv = h.n_kv_heads;
  c.head_dim = static_cast<int32_t>(head);
  c.n_vocab = static_cast<int32_t>(std::abs(static_cast<int64_t>(h.vocab_size)));
  c.n_ctx_train = h.seq_len;
  c.norm_eps = 1e-5f;
  c.norm = NormKind::kRms;
  c.ffn = FfnKind::kSwiGlu;
  c.positions = PositionKind::kRope;
  c.rope_theta = 10000.0;
  c.n_rot = c.head_dim;
  c.rope_layout = RopeLayout::kInterleaved;
  c.tied_embeddings = h.vocab_size > 0;

  // All data are f32 arrays right after the 28-byte header (4-byte aligned in the map).
  const float* p = reinterpret_cast<const float*>(file->data() + sizeof(Header));
  const int64_t D = c.n_embd, H = c.n_ff, L = c.n_layer, V = c.n_vocab, KV = c.kv_dim();
  auto take = [&p](const std::string& name, int64_t rows, int64_t cols) {
    TensorView t;
    t.name = name;
    t.type = DType::kF32;
    t.data = p;
    t.rows = rows;
    t.cols = cols;
    p += rows * cols;
    return t;
  };
  ModelWeights& w = ck.weights;
  w.layers.resize(static_cast<size_t>(L));
  w.tok_embd = take("token_embedding", V, D);
  auto per_layer = [&](const char* what, int64_t rows, int64_t cols, TensorView LayerWeights::*member) {
    for (int64_t li = 0; li < L; ++li) {
      w.layers[static_cast<size_t>(li)].*member = take("blk." + std::to_string(li) + "." + what, rows, cols);
    }
  };
  per_layer("attn_norm", 1, D, &LayerWeights::attn_norm);
  per_layer("attn_q", D, D, &LayerWeights::wq);
  per_layer("attn_k", KV, D, &LayerWeights::wk);
  per_layer("attn_v", KV, D, &LayerWeights::wv);
  per_layer("attn_output", D, D, &LayerWeights::wo);
  per_layer("ffn_norm", 1, D, &LayerWeights::ffn_norm);
  per_layer("ffn_gate", H, D, &LayerWeights::ffn_gate);
  per_layer("ffn_down", D, H, &LayerWeights::ffn_down);
  per_layer("ffn_up", H, D, &LayerWeights::ffn_up);
  w.output_norm = take("output_norm", 1, D);
  p += static_cast<int64_t>(h.seq_len) * head;  // skip the legacy RoPE tables
  w.output = c.tied_embeddings ? w.tok_embd : take("output", V, D);
  w.owners.push_back(file);
  return ck;
}

}  // namespace sinkstream
