// The architecture registry: every name the README and llama.cpp's GGUF files use
// resolves to the right entry, HF model_types map as llama.cpp's converter maps
// them, no name is claimed twice, and unknown names fail listing the known ones.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "model/arch/registry.hpp"
#include "sinkstream/error.hpp"
#include "support/paths.hpp"

namespace sinkstream::model::arch {
namespace {

// general.architecture values and the family each is read as (README "What is
// supported"; llama.cpp writes Mistral models as "llama" and reads "mistral" too).
const std::pair<const char*, const char*> kGgufNames[] = {
    {"llama", "llama"}, {"mistral", "llama"}, {"qwen2", "qwen2"}, {"qwen3", "qwen3"},
    {"gptneox", "gptneox"}, {"falcon", "falcon"}, {"mpt", "mpt"}, {"gpt2", "gpt2"},
    {"gemma2", "gemma2"},   {"gemma3", "gemma3"}, {"phi3", "phi3"}, {"gpt-oss", "gpt-oss"}};

// HF model_type -> GGUF general.architecture, as llama.cpp's convert_hf_to_gguf.py names them.
const std::pair<const char*, const char*> kHfTypes[] = {
    {"llama", "llama"}, {"mistral", "llama"}, {"qwen2", "qwen2"},     {"qwen3", "qwen3"},
    {"gpt_neox", "gptneox"}, {"falcon", "falcon"}, {"RefinedWeb", "falcon"}, {"RefinedWebModel", "falcon"},
    {"mpt", "mpt"},     {"gpt2", "gpt2"},   {"gemma2", "gemma2"}, {"gemma3_text", "gemma3"},
    {"phi3", "phi3"},   {"gpt_oss", "gpt-oss"}};

TEST(ArchRegistry, GgufNamesResolve) {
  for (const auto& [name, family] : kGgufNames) {
    SCOPED_TRACE(name);
    const ArchSpec* a = find_gguf_arch(name);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->name, family);
    EXPECT_EQ(&gguf_arch(name), a);
  }
}

TEST(ArchRegistry, HfModelTypesResolve) {
  for (const auto& [type, family] : kHfTypes) {
    SCOPED_TRACE(type);
    const ArchSpec* a = find_hf_arch(type);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->name, family);
  }
  EXPECT_EQ(find_hf_arch("gptneox"), nullptr);  // the GGUF name is not a model_type
}

TEST(ArchRegistry, EveryFixtureModelTypeHasAnEntry) {
  const std::filesystem::path dir = std::filesystem::path(test::source_dir()) / "tests/fixtures/hf";
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (!std::filesystem::is_regular_file(e.path() / "config.json")) continue;
    const auto j = nlohmann::json::parse(test::read_file((e.path() / "config.json").string()));
    const std::string type = j.at("model_type").get<std::string>();
    SCOPED_TRACE(type);
    EXPECT_NE(find_hf_arch(type), nullptr);
    ++n;
  }
  EXPECT_GE(n, 10);
}

TEST(ArchRegistry, NoNameIsClaimedTwice) {
  std::set<std::string_view> gguf, hf;
  for (const ArchSpec* a : all_archs()) {
    EXPECT_TRUE(gguf.insert(a->name).second) << a->name;
    for (const std::string_view n : a->gguf_aliases) EXPECT_TRUE(gguf.insert(n).second) << n;
    for (const std::string_view n : a->hf_model_types) EXPECT_TRUE(hf.insert(n).second) << n;
    EXPECT_NE(a->read_hf_config, nullptr) << a->name;
    EXPECT_NE(a->map_hf_tensors, nullptr) << a->name;
  }
  EXPECT_EQ(gguf.size(), std::size(kGgufNames));
  EXPECT_EQ(hf.size(), std::size(kHfTypes));
}

TEST(ArchRegistry, UnknownNameListsTheKnownOnes) {
  EXPECT_EQ(find_gguf_arch("bloom"), nullptr);
  try {
    gguf_arch("bloom", "x.gguf: ");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("x.gguf: architecture 'bloom' is not supported (", 0), 0u) << m;
    for (const auto& [name, family] : kGgufNames) EXPECT_NE(m.find(name), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace sinkstream::model::arch
