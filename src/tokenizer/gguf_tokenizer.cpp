#include "tokenizer/gguf_tokenizer.hpp"

#include "sinkstream/error.hpp"
#include "tokenizer/bpe_tokenizer.hpp"
#include "tokenizer/spm_tokenizer.hpp"
#include "tokenizer/wordpiece_tokenizer.hpp"

namespace sinkstream::tokenizer {

namespace {

constexpr const char* kModel = "tokenizer.ggml.model";
constexpr const char* kTokens = "tokenizer.ggml.tokens";

int32_t read_id(const io::gguf::File& f, const char* key, int32_t fallback) {
  if (!f.has(key)) return fallback;
  const int64_t v = f.get_int(key);
  if (v < -1 || v > INT32_MAX) {
    throw Error(ErrorKind::kFormat, f.path() + ": " + key + " = " + std::to_string(v) + " is not a token id");
  }
  return static_cast<int32_t>(v);
}

}  // namespace

VocabData vocab_from_gguf(const io::gguf::File& f) {
  auto fail = [&f](const std::string& key, const std::string& what) {
    throw Error(ErrorKind::kFormat, f.path() + ": " + key + " " + what);
  };
  if (!f.has(kModel)) fail(kModel, "is missing: the file has no tokenizer");
  if (!f.has(kTokens)) fail(kTokens, "is missing");
  VocabData v;
  v.source = f.path();
  const std::string model = f.get_string(kModel);
  if (model == "llama") {
    v.model = VocabModel::kSpm;
    v.bos_id = 1;
    v.eos_id = 2;
    v.unk_id = 0;
    v.add_bos = true;
  } else if (model == "gpt2") {
    v.model = VocabModel::kBpe;
  } else if (model == "bert") {
    v.model = VocabModel::kWordPiece;
    v.bos_id = 101;
    v.unk_id = 100;
    v.sep_id = 102;
    v.pad_id = 0;
    v.add_bos = true;
    v.add_sep = true;
  } else {
    throw Error(ErrorKind::kUnsupported, f.path() + ": " + kModel + " \"" + model +
                                             "\" is not a tokenizer this build knows (llama, gpt2, bert)");
  }

  v.tokens = f.get_string_array(kTokens);
  const size_t n = v.tokens.size();
  // Defaults outside a small vocabulary are dropped, as llama.cpp does.
  for (int32_t* id : {&v.bos_id, &v.eos_id, &v.unk_id, &v.pad_id, &v.sep_id}) {
    if (*id >= static_cast<int64_t>(n)) *id = -1;
  }

  if (f.has("tokenizer.ggml.scores")) v.scores = f.get_f32_array("tokenizer.ggml.scores");
  if (f.has("tokenizer.ggml.token_type")) {
    const std::vector<int32_t> t = f.get_i32_array("tokenizer.ggml.token_type");
    v.types.reserve(t.size());
    for (size_t i = 0; i < t.size(); ++i) {
      if (t[i] < 0 || t[i] > 6) {
        std::string what = "[";
        what += std::to_string(i);
        what += "] = ";
        what += std::to_string(t[i]);
        what += " is not in [0, 6]";
        fail("tokenizer.ggml.token_type", what);
      }
      v.types.push_back(static_cast<TokenType>(t[i]));
    }
  }
  if (v.model == VocabModel::kBpe) {
    if (!f.has("tokenizer.ggml.merges")) fail("tokenizer.ggml.merges", "is missing (required for model gpt2)");
    v.merges = f.get_string_array("tokenizer.ggml.merges");
    v.pre = f.get_string("tokenizer.ggml.pre", "default");
  }

  v.bos_id = read_id(f, "tokenizer.ggml.bos_token_id", v.bos_id);
  v.eos_id = read_id(f, "tokenizer.ggml.eos_token_id", v.eos_id);
  v.unk_id = read_id(f, "tokenizer.ggml.unknown_token_id", v.unk_id);
  v.pad_id = read_id(f, "tokenizer.ggml.padding_token_id", v.pad_id);
  v.sep_id = read_id(f, "tokenizer.ggml.seperator_token_id", v.sep_id);
  v.add_bos = f.get_bool("tokenizer.ggml.add_bos_token", v.add_bos);
  v.add_eos = f.get_bool("tokenizer.ggml.add_eos_token", v.add_eos);
  v.add_space_prefix = f.get_bool("tokenizer.ggml.add_space_prefix", v.model == VocabModel::kSpm);
  validate_vocab(v);
  return v;
}

std::unique_ptr<Tokenizer> make_vocab_tokenizer(VocabData v) {
  switch (v.model) {
    case VocabModel::kSpm:
      return std::make_unique<SpmTokenizer>(std::move(v));
    case VocabModel::kBpe:
      return std::make_unique<BpeTokenizer>(std::move(v));
    case VocabModel::kWordPiece:
      return std::make_unique<WordPieceTokenizer>(std::move(v));
  }
  throw Error(ErrorKind::kInvalidArg, v.source + ": unknown vocab model");
}

std::unique_ptr<Tokenizer> make_gguf_tokenizer(const io::gguf::File& f) { return make_vocab_tokenizer(vocab_from_gguf(f)); }

}  // namespace sinkstream::tokenizer
