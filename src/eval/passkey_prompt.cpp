// make_passkey_prompt and first_number.
#include <cctype>
#include <cmath>
#include <string>

#include "eval/passkey.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::eval {

namespace {
constexpr std::string_view kIntro =
    "There is an important info hidden inside a lot of irrelevant text. Find it and memorize it. "
    "I will quiz you about the important information there.";
constexpr std::string_view kFiller =
    " The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.";
constexpr std::string_view kQuestion = " What is the pass key? The pass key is";

std::string key_sentence(std::string_view key) {
  return " The pass key is " + std::string(key) + ". Remember it. " + std::string(key) + " is the pass key.";
}

std::string repeat(std::string_view s, int n) {
  std::string out;
  out.reserve(s.size() * static_cast<size_t>(std::max(0, n)));
  for (int i = 0; i < n; ++i) out += s;
  return out;
}
}  // namespace

PasskeyPrompt make_passkey_prompt(const Tokenizer& tok, int64_t target_tokens, double depth, std::string_view key) {
  if (!(depth >= 0.0 && depth <= 1.0)) {
    throw Error(ErrorKind::kInvalidArg, "passkey depth " + std::to_string(depth) + " is outside [0, 1]");
  }
  const std::string ks = key_sentence(key);
  const int64_t fixed = static_cast<int64_t>(tok.encode(std::string(kIntro) + ks + std::string(kQuestion), true).size());
  const int64_t per_filler = static_cast<int64_t>(tok.encode(kFiller, false).size());
  if (target_tokens < fixed + per_filler) {
    throw Error(ErrorKind::kInvalidArg, "passkey prompt length " + std::to_string(target_tokens) +
                                            " is too short: the intro, key and question alone take " +
                                            std::to_string(fixed) + " tokens, one filler sentence " +
                                            std::to_string(per_filler));
  }
  PasskeyPrompt p;
  p.n_filler = static_cast<int>((target_tokens - fixed) / per_filler);
  p.n_before = static_cast<int>(std::lround(depth * p.n_filler));
  const std::string before = std::string(kIntro) + repeat(kFiller, p.n_before);
  const std::string upto_key = before + ks;
  p.tokens = tok.encode(upto_key + repeat(kFiller, p.n_filler - p.n_before) + std::string(kQuestion), true);
  p.key_begin = static_cast<int64_t>(tok.encode(before, true).size());
  p.key_end = static_cast<int64_t>(tok.encode(upto_key, true).size());
  return p;
}

std::string first_number(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && !std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  size_t j = i;
  while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
  return std::string(text.substr(i, j - i));
}

}  // namespace sinkstream::eval
