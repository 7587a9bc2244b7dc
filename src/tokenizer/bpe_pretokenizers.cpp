#include "tokenizer/bpe_pretokenizers.hpp"

namespace sinkstream::tokenizer {

namespace {

// GPT-2: English contractions, optional-space letter / number / other runs,
// whitespace not followed by a non-space, remaining whitespace.
const char kGpt2[] = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// Llama 3 / tiktoken cl100k: case-insensitive contractions, one non-letter
// prefix before letters, numbers in groups of at most 3, newlines kept apart.
const char kLlama3[] =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Qwen2: as Llama 3 but single digits.
const char kQwen2[] =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// HF Punctuation pre-tokenizer (Unicode P plus ASCII symbols), runs kept together.
const char kPunctRun[] = R"([\p{P}\$\+<=>\^~\|`]+)";
const char kDigitRun[] = R"(\p{N}+)";
const char kDigitTriple[] = R"([0-9][0-9][0-9])";
const char kDigit[] = R"(\p{N})";

// CJK ideographs, a block below them, Hangul (DeepSeek's Split patterns).
const char kDeepseekCjk[] = R"([\x{4E00}-\x{9FA5}\x{0800}-\x{4E00}\x{AC00}-\x{D7FF}]+)";

}  // namespace

const std::string& gpt2_pretokenizer_regex() {
  static const std::string s = kGpt2;
  return s;
}

std::optional<BpePreTokenizer> bpe_pretokenizer(std::string_view pre) {
  if (pre.empty() || pre == "default") return BpePreTokenizer{{kPunctRun, kGpt2, kDigitRun, kDigitTriple}, false};
  if (pre == "gpt2" || pre == "gpt-2" || pre == "mpt" || pre == "gpt-neox" || pre == "olmo" || pre == "phi-2") {
    return BpePreTokenizer{{kGpt2}, false};
  }
  if (pre == "llama-bpe" || pre == "llama3" || pre == "llama-v3") return BpePreTokenizer{{kLlama3}, true};
  if (pre == "dbrx" || pre == "smaug-bpe") return BpePreTokenizer{{kLlama3}, false};
  if (pre == "qwen2" || pre == "stablelm2") return BpePreTokenizer{{kQwen2}, false};
  if (pre == "falcon") return BpePreTokenizer{{kPunctRun, kGpt2, kDigitTriple}, false};
  if (pre == "starcoder" || pre == "refact" || pre == "command-r" || pre == "smollm" || pre == "codeshell") {
    return BpePreTokenizer{{kDigit, kGpt2}, false};
  }
  if (pre == "deepseek-coder") {
    return BpePreTokenizer{{R"([\r\n])", R"(\s?\p{L}+)", R"(\s?\p{P}+)", kDeepseekCjk, kDigit}, false};
  }
  if (pre == "deepseek-llm") {
    // The upstream letter class lists the cased letters (Lu, Ll, Lt) range by
    // range; the punctuation class is ASCII !-/ :-~, fullwidth forms, quotes and
    // CJK punctuation U+3000-U+3002.
    return BpePreTokenizer{{R"([\r\n])", R"(\s?[\p{Lu}\p{Ll}\p{Lt}]+)",
                            R"(\s?[!-/:-~\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF5E}\x{2018}-\x{201F}\x{3000}-\x{3002}]+)",
                            R"(\s+$)", kDeepseekCjk, kDigitRun},
                           false};
  }
  return std::nullopt;
}

std::optional<std::string> known_pretokenizer_name(const std::vector<std::string>& regexes, bool ignore_merges) {
  // One name per distinct regex list, in the order llama.cpp's converter would pick them.
  static const char* const kNames[] = {"gpt-2",  "llama-bpe",      "smaug-bpe",    "qwen2",  "falcon",
                                       "starcoder", "deepseek-coder", "deepseek-llm", "default"};
  for (const char* name : kNames) {
    const std::optional<BpePreTokenizer> p = bpe_pretokenizer(name);
    if (p && p->regexes == regexes && p->ignore_merges == ignore_merges) return std::string(name);
  }
  return std::nullopt;
}

}  // namespace sinkstream::tokenizer
