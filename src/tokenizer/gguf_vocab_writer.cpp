#include "tokenizer/gguf_vocab_writer.hpp"

#include <cstdint>
#include <vector>

#include "sinkstream/error.hpp"
#include "tokenizer/bpe_pretokenizers.hpp"

namespace sinkstream::tokenizer {

namespace {

// tokenizer.ggml.model: the tokenizer kind's GGUF name.
const char* model_name(VocabModel m) {
  switch (m) {
    case VocabModel::kSpm: return "llama";
    case VocabModel::kBpe: return "gpt2";
    case VocabModel::kWordPiece: return "bert";
  }
  return "llama";
}

}  // namespace

void write_vocab_gguf(const VocabData& v, io::gguf::Writer& w) {
  w.set_string("tokenizer.ggml.model", model_name(v.model));
  if (v.model == VocabModel::kBpe) {
    // Another engine splits text by this name alone: refuse a name none knows rather than
    // write a file that llama.cpp rejects ("unknown pre-tokenizer type") or splits differently.
    if (!bpe_pretokenizer(v.pre)) {
      std::string regexes;
      for (const std::string& r : v.pre_regexes) regexes.append(regexes.empty() ? "" : ", ").append(r);
      throw Error(ErrorKind::kUnsupported,
                  v.source + ": the BPE pre-tokenizer (" + (v.pre_regexes.empty() ? v.pre : "split by " + regexes) +
                      ") matches no tokenizer.ggml.pre name that llama.cpp knows (gpt-2, llama-bpe, smaug-bpe, "
                      "qwen2, falcon, starcoder, deepseek-coder, deepseek-llm, default); GGUF export refuses to "
                      "write a name no engine knows");
    }
    w.set_string("tokenizer.ggml.pre", v.pre);
  }
  w.set_string_array("tokenizer.ggml.tokens", v.tokens);
  if (!v.scores.empty()) w.set_f32_array("tokenizer.ggml.scores", v.scores);
  if (!v.types.empty()) {
    std::vector<int32_t> t(v.types.size());
    for (size_t i = 0; i < t.size(); ++i) t[i] = static_cast<int32_t>(v.types[i]);
    w.set_i32_array("tokenizer.ggml.token_type", t);
  }
  // BPE readers (ours, llama.cpp) require the key even when the vocabulary has no merges.
  if (!v.merges.empty() || v.model == VocabModel::kBpe) w.set_string_array("tokenizer.ggml.merges", v.merges);
  auto id = [&](const char* key, int32_t value) {
    if (value >= 0) w.set_u32(key, static_cast<uint32_t>(value));
  };
  id("tokenizer.ggml.bos_token_id", v.bos_id);
  id("tokenizer.ggml.eos_token_id", v.eos_id);
  id("tokenizer.ggml.unknown_token_id", v.unk_id);
  id("tokenizer.ggml.padding_token_id", v.pad_id);
  id("tokenizer.ggml.seperator_token_id", v.sep_id);
  w.set_bool("tokenizer.ggml.add_bos_token", v.add_bos);
  w.set_bool("tokenizer.ggml.add_eos_token", v.add_eos);
  if (v.model == VocabModel::kSpm) w.set_bool("tokenizer.ggml.add_space_prefix", v.add_space_prefix);
}

}  // namespace sinkstream::tokenizer
