// libFuzzer target: tokenizer.json (vocab_from_hf_json_text), then the tokenizer
// built from it encodes and decodes a fixed text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sinkstream/error.hpp"
#include "tokenizer/gguf_tokenizer.hpp"
#include "tokenizer/hf_tokenizer_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sinkstream;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    tokenizer::VocabData v = tokenizer::vocab_from_hf_json_text(text, {}, "fuzz/tokenizer.json");
    const auto tok = tokenizer::make_vocab_tokenizer(std::move(v));
    const auto ids = tok->encode("Hello world, 123 caf\xC3\xA9!", true);
    int32_t prev = -1;
    for (const int32_t id : ids) {
      if (id < 0 || id >= tok->vocab_size()) __builtin_trap();
      (void)tok->decode_piece(prev, id);
      prev = id;
    }
  } catch (const Error&) {
  }
  return 0;
}
