// libFuzzer target: llama2.c tokenizer.bin (Llama2cTokenizer) from an in-memory
// file, read for 512 ids (the stories260K size) or, for odd-sized inputs, the
// minimum 259; then encodes and decodes a fixed text.
#include <cstddef>
#include <cstdint>

#include "memory_file.hpp"
#include "sinkstream/error.hpp"
#include "tokenizer/llama2c_tokenizer.hpp"
#include "tokenizer/llama2c_vocab.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sinkstream;
  const fuzz::MemoryFile mem(data, size);
  try {
    const tokenizer::Llama2cTokenizer tok(mem.path(), size % 2 == 0 ? 512 : 259);
    (void)tokenizer::vocab_from_llama2c(tok);
    const auto ids = tok.encode("Once upon a time, caf\xC3\xA9 \xF0\x9F\x98\x80.", true);
    int32_t prev = -1;
    for (const int32_t id : ids) {
      if (id < 0 || id >= tok.vocab_size()) __builtin_trap();
      (void)tok.decode_piece(prev, id);
      prev = id;
    }
  } catch (const Error&) {
  }
  return 0;
}
