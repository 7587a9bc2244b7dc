// libFuzzer target: llama2.c checkpoints (load_llama2c) from an in-memory file;
// touches the first and last float of every tensor view so ASan checks the ranges.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "io/llama2c_file.hpp"
#include "io/mapped_file.hpp"
#include "memory_file.hpp"
#include "model/weights.hpp"
#include "model/formats/llama2c_model.hpp"
#include "sinkstream/error.hpp"

namespace {

volatile float g_sink = 0;

void touch(const sinkstream::core::TensorView& t) {
  if (t.rows <= 0 || t.cols <= 0) return;
  const auto* p = static_cast<const float*>(t.data);
  g_sink = g_sink + p[0] + p[t.rows * t.cols - 1];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sinkstream;
  const fuzz::MemoryFile mem(data, size);
  try {
    auto file = std::make_shared<const io::MappedFile>(mem.path());
    (void)io::looks_like_llama2c(*file);
    const model::formats::Llama2cCheckpoint ck = model::formats::load_llama2c(file);
    touch(ck.weights.tok_embd);
    touch(ck.weights.output_norm);
    touch(ck.weights.output);
    for (const model::LayerWeights& l : ck.weights.layers) {
      for (const core::TensorView* t : {&l.attn_norm, &l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_norm, &l.ffn_gate, &l.ffn_down,
                                  &l.ffn_up}) {
        touch(*t);
      }
    }
  } catch (const Error&) {
  }
  return 0;
}
