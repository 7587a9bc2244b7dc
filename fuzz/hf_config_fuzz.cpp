// libFuzzer target: Hugging Face config.json (parse_hf_config). Whatever parses
// must stay inside the caps the model code relies on.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/checked_values.hpp"
#include "model/formats/hf_config.hpp"
#include "sinkstream/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sinkstream;
  const std::string text(reinterpret_cast<const char*>(data), size);
  model::formats::HfConfig h;
  try {
    h = model::formats::parse_hf_config(text, "fuzz/config.json");
  } catch (const Error&) {
    return 0;
  }
  const ModelConfig& c = h.config;
  if (c.n_layer < 1 || c.n_layer > io::kMaxLayers || c.n_head < 1 || c.n_head > io::kMaxHeads || c.n_head_kv < 1 ||
      c.n_head_kv > c.n_head || c.n_embd < 1 || c.n_vocab < 1 || c.head_dim < 1) {
    __builtin_trap();
  }
  return 0;
}
