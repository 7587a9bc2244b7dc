// The pre-tokenizer regexes of known byte-level BPE models, keyed by GGUF
// tokenizer.ggml.pre. Each list is applied in sequence by RegexSplitter. They
// restate the pre_tokenizer sections of the models' HF tokenizer.json files
// (Split patterns, ByteLevel's GPT-2 regex, Digits, Punctuation).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sinkstream::tokenizer {

struct BpePreTokenizer {
  std::vector<std::string> regexes;
  bool ignore_merges = false;  // a pre-token that is itself a token is emitted whole
};

// Known names: default (also ""), gpt2/gpt-2, mpt, gpt-neox, olmo, phi-2,
// llama-bpe/llama3/llama-v3, dbrx, smaug-bpe, qwen2, stablelm2, falcon,
// starcoder, refact, command-r, smollm, codeshell, deepseek-coder, deepseek-llm.
// nullopt for anything else.
std::optional<BpePreTokenizer> bpe_pretokenizer(std::string_view pre);

// The tokenizer.ggml.pre name under which llama.cpp (and this build) split text
// exactly as `regexes` do, applied in sequence (a tokenizer.json's pre_tokenizer:
// its Split patterns, ByteLevel's GPT-2 regex, Digits, Punctuation), with the
// model's ignore_merges: the first of gpt-2, llama-bpe, smaug-bpe, qwen2, falcon,
// starcoder, deepseek-coder, deepseek-llm, default whose lists are identical.
// nullopt when none is: such a tokenizer has no name another engine knows.
std::optional<std::string> known_pretokenizer_name(const std::vector<std::string>& regexes, bool ignore_merges);

// GPT-2's pattern (HF ByteLevel with use_regex).
const std::string& gpt2_pretokenizer_regex();

}  // namespace sinkstream::tokenizer
