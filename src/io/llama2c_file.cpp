#include "io/llama2c_file.hpp"

#include <cstdlib>
#include <cstring>
#include <limits>

#include "sinkstream/error.hpp"

namespace sinkstream::io {

namespace {

constexpr int64_t kMaxDim = 1 << 20;     // generous upper bounds: reject absurd headers
constexpr int64_t kMaxLayers = 4096;
constexpr int64_t kMaxVocab = 1 << 24;
constexpr int64_t kMaxSeq = 1 << 24;

using Header = Llama2cHeader;

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

Llama2cFile read_llama2c(const MappedFile& file) {
  const std::string& path = file.path();
  if (file.size() == 0) fail(path, "file is empty");
  if (file.size() < sizeof(Header)) {
    fail(path, "file is " + std::to_string(file.size()) + " bytes, shorter than the 28-byte header");
  }
  const Header h = read_header(file);
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
  if (static_cast<int64_t>(file.size()) != expected) {
    fail(path, "header (dim " + std::to_string(h.dim) + ", hidden " + std::to_string(h.hidden_dim) + ", layers " +
                   std::to_string(h.n_layers) + ", heads " + std::to_string(h.n_heads) + "/" +
                   std::to_string(h.n_kv_heads) + ", vocab " + std::to_string(h.vocab_size) + ", seq_len " +
                   std::to_string(h.seq_len) + ") needs " + std::to_string(expected) + " bytes but the file has " +
                   std::to_string(file.size()) + (static_cast<int64_t>(file.size()) < expected ? " (truncated?)" : ""));
  }

  // All data are f32 arrays right after the 28-byte header (4-byte aligned in the map).
  const float* p = reinterpret_cast<const float*>(file.data() + sizeof(Header));
  const int64_t D = h.dim, H = h.hidden_dim, L = h.n_layers, V = std::abs(static_cast<int64_t>(h.vocab_size));
  const int64_t KV = head * h.n_kv_heads;
  auto take = [&p](int64_t n) {
    const float* at = p;
    p += n;
    return at;
  };
  Llama2cFile out;
  out.header = h;
  Llama2cArrays& a = out.arrays;
  a.token_embedding = take(V * D);
  a.rms_att = take(L * D);
  a.wq = take(L * D * D);
  a.wk = take(L * KV * D);
  a.wv = take(L * KV * D);
  a.wo = take(L * D * D);
  a.rms_ffn = take(L * D);
  a.w1 = take(L * H * D);
  a.w2 = take(L * D * H);
  a.w3 = take(L * H * D);
  a.rms_final = take(D);
  take(static_cast<int64_t>(h.seq_len) * head);  // the two legacy RoPE tables
  a.classifier = h.vocab_size < 0 ? take(V * D) : nullptr;
  return out;
}

}  // namespace sinkstream::io
