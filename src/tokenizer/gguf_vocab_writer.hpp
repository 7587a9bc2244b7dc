// A tokenizer description (VocabData) written as GGUF tokenizer.ggml.* metadata,
// the keys vocab_from_gguf (gguf_tokenizer.hpp) reads back.
#pragma once

#include "io/gguf_writer.hpp"
#include "tokenizer/vocab_data.hpp"

namespace sinkstream::tokenizer {

void write_vocab_gguf(const VocabData& v, io::gguf::Writer& w);

}  // namespace sinkstream::tokenizer
