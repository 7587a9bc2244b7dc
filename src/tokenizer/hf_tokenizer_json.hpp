// Reads a Hugging Face tokenizer.json (and, when present beside it,
// tokenizer_config.json) into the same VocabData the GGUF loader produces:
//   model.type "BPE" + a ByteLevel pre-tokenizer  -> byte-level BPE; the
//       pre-tokenizer's Split (Isolated) / ByteLevel(use_regex) / Digits /
//       Punctuation steps become the regex sequence;
//   model.type "BPE" + byte_fallback, no ByteLevel (SentencePiece converted:
//       Metaspace or Replace(" ", "▁") normalizer) -> SPM, each token scored by
//       minus the rank of the first merge that forms it;
//   model.type "WordPiece" -> WordPiece, "##x" becoming "x" and word-initial
//       "x" becoming "▁x" (the GGUF convention), BertNormalizer options kept.
// added_tokens: special -> control, others -> user-defined. BOS/EOS come from
// tokenizer_config.json (bos_token, eos_token, add_bos_token, add_eos_token)
// or else from a TemplateProcessing post-processor.
// Anything else (Unigram, WordLevel, unsupported pre-tokenizer steps) throws
// sinkstream::Error (kUnsupported) naming the file and the JSON field.
#pragma once

#include <string>
#include <string_view>

#include "tokenizer/vocab_data.hpp"

namespace sinkstream::tokenizer {

// `path`: a tokenizer.json file or a folder holding one.
VocabData vocab_from_hf_tokenizer_json(const std::string& path);

// From the JSON texts themselves (`config_json` may be empty); `source` names
// them in errors.
VocabData vocab_from_hf_json_text(std::string_view tokenizer_json, std::string_view config_json,
                                  const std::string& source);

}  // namespace sinkstream::tokenizer
