// The plain description of a vocabulary that every GGUF-style tokenizer is
// built from. Filled by a loader (GGUF metadata, HF tokenizer.json) or by a
// test; the tokenizers never read files themselves.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sinkstream::tokenizer {

// GGUF tokenizer.ggml.token_type values.
enum class TokenType : int32_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,      // <s>, </s>, <|endoftext|>: matched in text only when parse_special
  kUserDefined = 4,  // added tokens: always matched in text before the model runs
  kUnused = 5,
  kByte = 6,         // SentencePiece byte fallback "<0xXX>"
};

enum class VocabModel {
  kSpm,        // tokenizer.ggml.model = "llama"
  kBpe,        // "gpt2": byte-level BPE
  kWordPiece,  // "bert"
};

// VocabData::pre of a tokenizer.json split that no GGUF engine knows by name.
inline constexpr char kUnnamedPreTokenizer[] = "tokenizer.json";

struct VocabData {
  std::string source;  // file (and key prefix) named in error messages
  VocabModel model = VocabModel::kSpm;

  // [n] token texts. SPM: spaces are U+2581; BPE: GPT-2 byte-to-unicode
  // characters; WordPiece: word-initial tokens start with U+2581, continuation
  // tokens carry no "##" (the GGUF convention).
  std::vector<std::string> tokens;
  std::vector<float> scores;      // [n] or empty (all 0); SPM merge priorities
  std::vector<TokenType> types;   // [n] or empty (all normal)
  std::vector<std::string> merges;  // BPE: "left right", rank = index

  // BPE pre-tokenizer: either a known name (tokenizer.ggml.pre) or an explicit
  // list of regexes applied in sequence (wins when non-empty). A tokenizer.json
  // whose split matches a name llama.cpp knows gets that name, else
  // kUnnamedPreTokenizer, which GGUF export refuses to write.
  std::string pre = "default";
  std::vector<std::string> pre_regexes;
  bool ignore_merges = false;  // BPE: a pre-token that is itself a token is emitted whole (llama3)

  int32_t bos_id = -1;  // -1: none
  int32_t eos_id = -1;
  int32_t unk_id = -1;
  int32_t pad_id = -1;
  int32_t sep_id = -1;
  bool add_bos = false;
  bool add_eos = false;
  bool add_sep = false;           // WordPiece: [SEP] after the text
  bool add_space_prefix = true;   // SPM dummy prefix
  bool lowercase = true;          // WordPiece normalization
  bool strip_accents = true;      // WordPiece normalization

  TokenType type(size_t id) const { return types.empty() ? TokenType::kNormal : types[id]; }
  float score(size_t id) const { return scores.empty() ? 0.0f : scores[id]; }
};

// Checks sizes and ids; throws sinkstream::Error (kFormat) naming `source` and
// the field at fault (array length mismatch, id out of range, empty vocab).
void validate_vocab(const VocabData& v);

}  // namespace sinkstream::tokenizer
