// Builds the tokenizer that a GGUF file's tokenizer.ggml.* metadata describes:
//   model "llama" -> SpmTokenizer, "gpt2" -> BpeTokenizer, "bert" -> WordPieceTokenizer.
// Keys read: tokenizer.ggml.{model, pre, tokens, scores, token_type, merges,
// bos_token_id, eos_token_id, unknown_token_id, padding_token_id,
// seperator_token_id (sic, the GGUF spelling), add_bos_token, add_eos_token,
// add_space_prefix}. Defaults follow llama.cpp: SPM bos/eos/unk = 1/2/0 and
// add_bos; BERT bos = [CLS] 101, sep 102, unk 100, add_bos + add_sep.
#pragma once

#include <memory>

#include "io/gguf.hpp"
#include "sinkstream/tokenizer.hpp"
#include "tokenizer/vocab_data.hpp"

namespace sinkstream::tokenizer {

// Reads the metadata into a VocabData (throws sinkstream::Error naming the file
// and key on missing or inconsistent metadata).
VocabData vocab_from_gguf(const io::gguf::File& f);

// Builds the tokenizer for a VocabData (dispatch on v.model).
std::unique_ptr<Tokenizer> make_vocab_tokenizer(VocabData v);

std::unique_ptr<Tokenizer> make_gguf_tokenizer(const io::gguf::File& f);

}  // namespace sinkstream::tokenizer
