// Real tokenizers against llama.cpp's test vectors (../shared/vocab, produced
// by the models' own HF tokenizers): every .inp string, encoded without BOS/EOS
// and with special-token parsing off, must give exactly the .out ids; decoding
// those ids must give the string back where the tokenizer is lossless
// (byte-level BPE and SentencePiece here; WordPiece lowercases, strips accents
// and collapses whitespace, so it is not checked). Skips when the folder is absent.
#include <filesystem>
#include <sstream>

#include "io/gguf.hpp"
#include "support/paths.hpp"
#include "tokenizer/gguf_tokenizer.hpp"

namespace sinkstream {
namespace {

std::string vocab_dir() { return test::shared_dir() + "/vocab"; }

#define REQUIRE_VOCAB_FILE(path)                                                                        \
  do {                                                                                                 \
    if (!std::filesystem::exists(path))                                                                \
      SINKSTREAM_SKIP_ABSENT((path) << " is absent: test needs ../shared/vocab (vocab-only GGUF + vectors)");  \
  } while (0)

struct Case {
  std::string text;
  std::vector<int32_t> ids;
};

// .inp: each input followed by "\n__ggml_vocab_test__\n" (the last one too).
// .out: one line of space-separated ids per input.
std::vector<Case> read_cases(const std::string& base) {
  const std::string inp = test::read_file(base + ".inp");
  const std::string out = test::read_file(base + ".out");
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<Case> cases;
  for (size_t pos = 0; pos < inp.size();) {
    const size_t next = inp.find(sep, pos);
    if (next == std::string::npos) {
      cases.push_back({inp.substr(pos), {}});
      break;
    }
    cases.push_back({inp.substr(pos, next - pos), {}});
    pos = next + sep.size();
  }
  std::istringstream lines(out);
  std::string line;
  size_t k = 0;
  while (std::getline(lines, line)) {
    if (k >= cases.size()) {
      ADD_FAILURE() << base << ".out has more lines than .inp has inputs";
      break;
    }
    std::istringstream ids(line);
    int32_t id;
    while (ids >> id) cases[k].ids.push_back(id);
    ++k;
  }
  EXPECT_EQ(k, cases.size()) << base << ": .out lines vs .inp inputs";
  return cases;
}

std::string show(const std::vector<int32_t>& ids) {
  std::string s;
  for (const int32_t id : ids) {
    s += ' ';
    s += std::to_string(id);
  }
  return s;
}

class VocabVectors : public ::testing::TestWithParam<const char*> {};

TEST_P(VocabVectors, EncodeMatchesReferenceIdsAndDecodeRoundTrips) {
  const std::string base = vocab_dir() + "/ggml-vocab-" + GetParam() + ".gguf";
  REQUIRE_VOCAB_FILE(base);
  const auto file = io::gguf::File::open(base);
  const auto tok = tokenizer::make_gguf_tokenizer(*file);
  const bool lossless = tok->kind() != "wordpiece";
  const std::vector<Case> cases = read_cases(base);
  ASSERT_GT(cases.size(), 40u);
  size_t passed = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const std::vector<int32_t> got = tok->encode(c.text, /*add_bos=*/false, /*parse_special=*/false);
    EXPECT_EQ(got, c.ids) << "input #" << i << " \"" << c.text << "\"\n  want" << show(c.ids) << "\n  got " << show(got);
    if (lossless) {
      EXPECT_EQ(tok->decode(c.ids), c.text) << "input #" << i;
    }
    passed += got == c.ids;
  }
  std::cout << "[ vectors  ] " << GetParam() << ": " << passed << "/" << cases.size() << " inputs match\n";
}

INSTANTIATE_TEST_SUITE_P(Gguf, VocabVectors,
                         ::testing::Values("llama-spm", "phi-3", "gpt-2", "falcon", "mpt", "starcoder",
                                           "deepseek-coder", "bert-bge"),
                         [](const ::testing::TestParamInfo<const char*>& p) {
                           std::string s = p.param;
                           for (char& ch : s) if (ch == '-') ch = '_';
                           return s;
                         });

TEST(VocabVectors, GptNeoxLoadsAndRoundTrips) {
  const std::string path = vocab_dir() + "/ggml-vocab-gpt-neox.gguf";
  REQUIRE_VOCAB_FILE(path);
  const auto tok = tokenizer::make_gguf_tokenizer(*io::gguf::File::open(path));
  EXPECT_EQ(tok->kind(), "bpe");
  EXPECT_EQ(tok->vocab_size(), 50432);
  EXPECT_EQ(tok->eos_id(), 0);
  for (const std::string text : {"Hello world", "  indented\n\tcode();  // comment", "Führer 🦙 日本語 3333",
                                 "<|endoftext|> is text here"}) {
    const auto ids = tok->encode(text, false);
    EXPECT_FALSE(ids.empty());
    EXPECT_EQ(tok->decode(ids), text);
  }
  // With parse_special the control token's text becomes its id (0).
  const auto ids = tok->encode("a<|endoftext|>b", false, true);
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[1], 0);
  EXPECT_EQ(tok->encode("a<|endoftext|>b", false, false).size() > 3, true);
}

}  // namespace
}  // namespace sinkstream
