#include "support/llama2c_builder.hpp"

#include <fstream>
#include <random>
#include <stdexcept>

namespace sinkstream::test {

namespace {

struct Part {
  const char* name;
  bool per_layer;
  bool norm;
};
constexpr Part kParts[] = {{"embed", false, false}, {"attn_norm", true, true}, {"wq", true, false},
                           {"wk", true, false},     {"wv", true, false},       {"wo", true, false},
                           {"ffn_norm", true, true}, {"w1", true, false},      {"w2", true, false},
                           {"w3", true, false},     {"final_norm", false, true}, {"rope", false, false}};

size_t part_size(const Llama2cDims& d, const std::string& n) {
  const size_t D = static_cast<size_t>(d.dim), H = static_cast<size_t>(d.hidden);
  const size_t KV = D / static_cast<size_t>(d.n_heads) * static_cast<size_t>(d.n_kv_heads);
  if (n == "embed") return static_cast<size_t>(d.vocab) * D;
  if (n == "attn_norm" || n == "ffn_norm" || n == "final_norm") return D;
  if (n == "wq" || n == "wo") return D * D;
  if (n == "wk" || n == "wv") return KV * D;
  if (n == "w1" || n == "w2" || n == "w3") return H * D;
  if (n == "rope") return static_cast<size_t>(d.seq_len) * (D / static_cast<size_t>(d.n_heads));  // two tables
  throw std::invalid_argument("llama2c builder: no tensor '" + n + "'");
}

}  // namespace

Llama2cBuilder::Llama2cBuilder(const Llama2cDims& d, uint32_t seed, float scale) : d_(d) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  for (const Part& p : kParts) {
    const size_t n = part_size(d_, p.name) * (p.per_layer ? static_cast<size_t>(d_.n_layers) : 1);
    for (size_t i = 0; i < n; ++i) data_.push_back(p.norm ? 1.0f : (std::string(p.name) == "rope" ? 0.0f : u(rng)));
  }
}

size_t Llama2cBuilder::offset(const std::string& name, int32_t layer) const {
  size_t off = 0;
  for (const Part& p : kParts) {
    const size_t n = part_size(d_, p.name);
    if (name == p.name) return off + (p.per_layer ? static_cast<size_t>(layer) * n : 0);
    off += n * (p.per_layer ? static_cast<size_t>(d_.n_layers) : 1);
  }
  throw std::invalid_argument("llama2c builder: no tensor '" + name + "'");
}

float* Llama2cBuilder::tensor(const std::string& name, int32_t layer) { return data_.data() + offset(name, layer); }

void Llama2cBuilder::save(const std::string& path) const {
  std::ofstream f(path, std::ios::binary);
  const int32_t h[7] = {d_.dim, d_.hidden, d_.n_layers, d_.n_heads, d_.n_kv_heads, d_.vocab, d_.seq_len};
  f.write(reinterpret_cast<const char*>(h), sizeof h);
  f.write(reinterpret_cast<const char*>(data_.data()), static_cast<std::streamsize>(data_.size() * sizeof(float)));
  if (!f.flush()) throw std::runtime_error(path + ": write failed");
}

}  // namespace sinkstream::test
