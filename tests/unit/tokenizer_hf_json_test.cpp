// tokenizer.json loading: each test writes a tokenizer.json that mirrors one of
// the GGUF vocabularies in ../shared/vocab (tokens, merges, added tokens taken
// from the GGUF file; the pre-tokenizer / normalizer written as the model's HF
// config states it) and checks that the resulting tokenizer reproduces that
// vocab's reference ids. Skips when ../shared/vocab is absent.
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/gguf.hpp"
#include "io/gguf_writer.hpp"
#include "sinkstream/error.hpp"
#include "support/paths.hpp"
#include "tokenizer/gguf_tokenizer.hpp"
#include "tokenizer/gguf_vocab_writer.hpp"
#include "tokenizer/hf_tokenizer_json.hpp"

namespace sinkstream {
namespace {

using json = nlohmann::json;

std::string vocab_path(const std::string& name) { return test::shared_dir() + "/vocab/ggml-vocab-" + name + ".gguf"; }

// (input, ids) pairs of a vector file (format: see tokenizer_vocab_vectors_test.cpp).
std::vector<std::pair<std::string, std::vector<int32_t>>> vectors(const std::string& base) {
  const std::string inp = test::read_file(base + ".inp"), out = test::read_file(base + ".out");
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::pair<std::string, std::vector<int32_t>>> r;
  for (size_t pos = 0; pos < inp.size();) {
    const size_t next = inp.find(sep, pos);
    if (next == std::string::npos) break;
    r.push_back({inp.substr(pos, next - pos), {}});
    pos = next + sep.size();
  }
  std::istringstream lines(out);
  std::string line;
  for (size_t k = 0; k < r.size() && std::getline(lines, line); ++k) {
    std::istringstream ids(line);
    int32_t id;
    while (ids >> id) r[k].second.push_back(id);
  }
  return r;
}

json added_tokens(const std::vector<std::string>& toks, const std::vector<int32_t>& types) {
  json a = json::array();
  for (size_t i = 0; i < toks.size(); ++i) {
    if (types[i] == 3 || types[i] == 4) a.push_back({{"id", i}, {"content", toks[i]}, {"special", types[i] == 3}});
  }
  return a;
}

// Byte-level BPE tokenizer.json from a GGUF vocab and a pre_tokenizer section.
std::string bpe_json(const io::gguf::File& f, const json& pre_tokenizer) {
  const auto toks = f.get_string_array("tokenizer.ggml.tokens");
  const auto types = f.get_i32_array("tokenizer.ggml.token_type");
  json vocab = json::object();
  for (size_t i = 0; i < toks.size(); ++i) {
    if (types[i] != 3 && types[i] != 4) vocab[toks[i]] = i;
  }
  json j;
  j["added_tokens"] = added_tokens(toks, types);
  j["normalizer"] = nullptr;
  j["pre_tokenizer"] = pre_tokenizer;
  j["model"] = {{"type", "BPE"}, {"vocab", vocab}, {"merges", f.get_string_array("tokenizer.ggml.merges")}};
  return j.dump();
}

void expect_vectors(const Tokenizer& tok, const std::string& name) {
  size_t n = 0;
  for (const auto& [text, ids] : vectors(vocab_path(name))) {
    EXPECT_EQ(tok.encode(text, false, false), ids) << name << ": \"" << text << "\"";
    ++n;
  }
  EXPECT_GT(n, 40u);
}

#define REQUIRE_VOCAB(name)                                                                   \
  do {                                                                                        \
    if (!std::filesystem::exists(vocab_path(name)))                                           \
      SINKSTREAM_SKIP_ABSENT(vocab_path(name) << " is absent: test needs ../shared/vocab");         \
  } while (0)

const json kByteLevel = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};

json split(const std::string& regex) {
  return {{"type", "Split"}, {"pattern", {{"Regex", regex}}}, {"behavior", "Isolated"}, {"invert", false}};
}

TEST(HfTokenizerJson, Gpt2ByteLevelMatchesVectors) {
  REQUIRE_VOCAB("gpt-2");
  const auto f = io::gguf::File::open(vocab_path("gpt-2"));
  test::TempDir dir;
  test::write_file(dir.file("tokenizer.json"), bpe_json(*f, kByteLevel));
  test::write_file(dir.file("tokenizer_config.json"),
                   R"({"bos_token": "<|endoftext|>", "eos_token": {"content": "<|endoftext|>"}, "add_bos_token": false})");
  const tokenizer::VocabData v = tokenizer::vocab_from_hf_tokenizer_json(dir.path().string());  // the folder form
  EXPECT_EQ(v.bos_id, 50256);
  EXPECT_EQ(v.eos_id, 50256);
  EXPECT_FALSE(v.add_bos);
  const auto tok = tokenizer::make_vocab_tokenizer(v);
  EXPECT_EQ(tok->kind(), "bpe");
  expect_vectors(*tok, "gpt-2");
  // Identical ids to the GGUF-built tokenizer on arbitrary text too.
  const auto ref = tokenizer::make_gguf_tokenizer(*f);
  const std::string text = "Streaming with attention sinks: 4 sinks + 1020 window, ppl 5.40!\n\tOK?";
  EXPECT_EQ(tok->encode(text, false), ref->encode(text, false));
}

TEST(HfTokenizerJson, PreTokenizerSequencesMatchVectors) {
  struct Case {
    const char* name;
    json pre;
  };
  const std::vector<Case> cases = {
      {"falcon",
       {{"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Punctuation"}, {"behavior", "Contiguous"}}, kByteLevel,
          split("[0-9][0-9][0-9]")}}}},
      {"starcoder",
       {{"type", "Sequence"}, {"pretokenizers", {{{"type", "Digits"}, {"individual_digits", true}}, kByteLevel}}}},
      {"deepseek-coder",
       {{"type", "Sequence"},
        {"pretokenizers",
         {split("[\\r\\n]"), split("\\s?\\p{L}+"), split("\\s?\\p{P}+"),
          split("[\\x{4E00}-\\x{9FA5}\\x{0800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+"),
          {{"type", "Digits"}, {"individual_digits", true}},
          {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    if (!std::filesystem::exists(vocab_path(c.name))) SINKSTREAM_SKIP_ABSENT(vocab_path(c.name) << " is absent");
    const auto f = io::gguf::File::open(vocab_path(c.name));
    const tokenizer::VocabData v = tokenizer::vocab_from_hf_json_text(bpe_json(*f, c.pre), "", c.name);
    // The name derived from the split is the one llama.cpp's converter gave the same tokenizer.
    EXPECT_EQ(v.pre, f->get_string("tokenizer.ggml.pre"));
    const auto tok = tokenizer::make_vocab_tokenizer(v);
    expect_vectors(*tok, c.name);
  }
}

TEST(HfTokenizerJson, ByteLevelSplitsGetTheNameLlamaCppKnows) {
  REQUIRE_VOCAB("gpt-2");
  const auto f = io::gguf::File::open(vocab_path("gpt-2"));
  EXPECT_EQ(tokenizer::vocab_from_hf_json_text(bpe_json(*f, kByteLevel), "", "gpt2").pre, "gpt-2");
  // Llama 3's tokenizer.json: its Split regex, then ByteLevel without regex; ignore_merges picks llama-bpe.
  const std::string llama3 =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  const json seq = {{"type", "Sequence"},
                    {"pretokenizers", {split(llama3), {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}};
  json j = json::parse(bpe_json(*f, seq));
  EXPECT_EQ(tokenizer::vocab_from_hf_json_text(j.dump(), "", "l3").pre, "smaug-bpe");
  j["model"]["ignore_merges"] = true;
  EXPECT_EQ(tokenizer::vocab_from_hf_json_text(j.dump(), "", "l3").pre, "llama-bpe");
}

TEST(HfTokenizerJson, GgufExportRefusesASplitNoEngineKnows) {
  REQUIRE_VOCAB("gpt-2");
  const auto f = io::gguf::File::open(vocab_path("gpt-2"));
  const tokenizer::VocabData v = tokenizer::vocab_from_hf_json_text(bpe_json(*f, {{"type", "Sequence"}, {"pretokenizers", {split("[a-z]+"), kByteLevel}}}),
                                              "", "odd");
  EXPECT_EQ(v.pre, tokenizer::kUnnamedPreTokenizer);
  io::gguf::Writer w;
  try {
    tokenizer::write_vocab_gguf(v, w);
    FAIL() << "wrote a pre-tokenizer name no engine knows";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("[a-z]+"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("llama.cpp"), std::string::npos) << e.what();
  }
}

TEST(HfTokenizerJson, WordPieceWithHashPrefixesMatchesVectors) {
  REQUIRE_VOCAB("bert-bge");
  const auto f = io::gguf::File::open(vocab_path("bert-bge"));
  const auto toks = f->get_string_array("tokenizer.ggml.tokens");
  const auto types = f->get_i32_array("tokenizer.ggml.token_type");
  const std::string meta = "\xE2\x96\x81";
  json vocab = json::object();
  for (size_t i = 0; i < toks.size(); ++i) {
    if (types[i] == 3) vocab[toks[i]] = i;
    else if (toks[i].starts_with(meta)) vocab[toks[i].substr(meta.size())] = i;  // word-initial
    else vocab["##" + toks[i]] = i;                                               // continuation
  }
  json j;
  j["added_tokens"] = added_tokens(toks, types);
  j["normalizer"] = {{"type", "BertNormalizer"}, {"clean_text", true}, {"handle_chinese_chars", true},
                     {"strip_accents", nullptr}, {"lowercase", true}};
  j["pre_tokenizer"] = {{"type", "BertPreTokenizer"}};
  j["post_processor"] = {{"type", "TemplateProcessing"},
                         {"single", {{{"SpecialToken", {{"id", "[CLS]"}, {"type_id", 0}}}},
                                     {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                                     {{"SpecialToken", {{"id", "[SEP]"}, {"type_id", 0}}}}}}};
  j["model"] = {{"type", "WordPiece"}, {"unk_token", "[UNK]"}, {"continuing_subword_prefix", "##"},
                {"max_input_chars_per_word", 100}, {"vocab", vocab}};
  const tokenizer::VocabData v = tokenizer::vocab_from_hf_json_text(j.dump(), "", "bge");
  EXPECT_EQ(v.bos_id, 101);
  EXPECT_EQ(v.sep_id, 102);
  EXPECT_EQ(v.unk_id, 100);
  const auto tok = tokenizer::make_vocab_tokenizer(v);
  EXPECT_EQ(tok->kind(), "wordpiece");
  expect_vectors(*tok, "bert-bge");
  EXPECT_EQ(tok->encode("hello", true), (std::vector<int32_t>{101, 7592, 102}));
}

TEST(HfTokenizerJson, SentencePieceStyleBpeMatchesVectors) {
  REQUIRE_VOCAB("llama-spm");
  const auto f = io::gguf::File::open(vocab_path("llama-spm"));
  const auto toks = f->get_string_array("tokenizer.ggml.tokens");
  const auto types = f->get_i32_array("tokenizer.ggml.token_type");
  const auto scores = f->get_f32_array("tokenizer.ggml.scores");
  // Merges as HF's SentencePiece converter makes them: every split (a, b) of a
  // normal piece into two pieces, ordered by the merged piece's score.
  std::map<std::string, int32_t> index;
  for (size_t i = 0; i < toks.size(); ++i) index[toks[i]] = static_cast<int32_t>(i);
  std::vector<std::pair<float, std::string>> merges;
  for (size_t i = 0; i < toks.size(); ++i) {
    if (types[i] != 1) continue;
    const std::string& t = toks[i];
    for (size_t k = 1; k < t.size(); ++k) {
      if ((static_cast<unsigned char>(t[k]) & 0xC0) == 0x80) continue;
      const auto a = index.find(t.substr(0, k)), b = index.find(t.substr(k));
      if (a == index.end() || b == index.end()) continue;
      if (types[static_cast<size_t>(a->second)] != 1 || types[static_cast<size_t>(b->second)] != 1) continue;
      merges.emplace_back(scores[i], t.substr(0, k) + " " + t.substr(k));
    }
  }
  std::stable_sort(merges.begin(), merges.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  json jm = json::array();
  for (const auto& m : merges) jm.push_back(m.second);
  json vocab = json::object();
  for (size_t i = 0; i < toks.size(); ++i) vocab[toks[i]] = i;
  json j;
  j["added_tokens"] = json::array({{{"id", 0}, {"content", "<unk>"}, {"special", true}},
                                   {{"id", 1}, {"content", "<s>"}, {"special", true}},
                                   {{"id", 2}, {"content", "</s>"}, {"special", true}}});
  j["normalizer"] = {{"type", "Sequence"},
                     {"normalizers",
                      {{{"type", "Prepend"}, {"prepend", "\xE2\x96\x81"}},
                       {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\xE2\x96\x81"}}}}};
  j["pre_tokenizer"] = nullptr;
  j["post_processor"] = {{"type", "TemplateProcessing"},
                         {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                     {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}}};
  j["model"] = {{"type", "BPE"}, {"unk_token", "<unk>"}, {"byte_fallback", true}, {"vocab", vocab}, {"merges", jm}};
  const tokenizer::VocabData v = tokenizer::vocab_from_hf_json_text(j.dump(), "", "llama-json");
  EXPECT_EQ(v.model, tokenizer::VocabModel::kSpm);
  EXPECT_TRUE(v.add_bos);
  EXPECT_EQ(v.bos_id, 1);
  const auto tok = tokenizer::make_vocab_tokenizer(v);
  EXPECT_EQ(tok->kind(), "spm");
  expect_vectors(*tok, "llama-spm");
}

TEST(HfTokenizerJson, UnsupportedAndMalformedInputsNameTheField) {
  auto expect_error = [](const std::string& text, const std::string& needle) {
    try {
      tokenizer::make_vocab_tokenizer(tokenizer::vocab_from_hf_json_text(text, "", "bad.json"));
      ADD_FAILURE() << "expected an error mentioning " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("bad.json"), std::string::npos) << e.what();
    }
  };
  expect_error("{not json", "JSON");
  expect_error(R"({"model": {"type": "Unigram", "vocab": {"a": 0}}})", "model.type");
  expect_error(R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]},
                  "pre_tokenizer": {"type": "ByteLevel", "use_regex": true}})",
               "merges[0]");
  expect_error(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []},
                  "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "a"}, "behavior": "Removed"}})",
               "pre_tokenizer");
}

}  // namespace
}  // namespace sinkstream
