// libFuzzer target: tokenizer.json (vocab_from_hf_json_text), then the tokenizer
// built from it encodes and decodes a fixed text. An input holding the line
// "\n#tokenizer_config.json\n" is split there: what follows is passed as
// tokenizer_config.json (seeds: corpus/tokenizer_json/*with_config*).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sinkstream/error.hpp"
#include "tokenizer/gguf_tokenizer.hpp"
#include "tokenizer/hf_tokenizer_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sinkstream;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string_view config;
  constexpr std::string_view kSplit = "\n#tokenizer_config.json\n";
  if (const size_t at = text.find(kSplit); at != std::string_view::npos) {
    config = text.substr(at + kSplit.size());
    text = text.substr(0, at);
  }
  try {
    tokenizer::VocabData v = tokenizer::vocab_from_hf_json_text(text, config, "fuzz/tokenizer.json");
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
