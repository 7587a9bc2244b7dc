// The llama2.c tokenizer as a GGUF-style SentencePiece vocabulary (for
// `convert`): spaces become U+2581, ids 3..258 become byte tokens <0xXX>,
// 0/1/2 are <unk>/<s>/</s>.
#pragma once

#include "tokenizer/llama2c_tokenizer.hpp"
#include "tokenizer/vocab_data.hpp"

namespace sinkstream::tokenizer {

VocabData vocab_from_llama2c(const Llama2cTokenizer& t);

}  // namespace sinkstream::tokenizer
