#include "model/arch/registry.hpp"

#include <array>

#include "sinkstream/error.hpp"

namespace sinkstream::model::arch {

// The entries, each defined in its family's file. Adding a family: its file and one name on each line.
extern const ArchSpec kLlama, kQwen2, kQwen3, kGptNeox, kFalcon, kMpt, kGpt2, kGemma2, kGemma3, kPhi3, kGptOss;
namespace {
constexpr std::array<const ArchSpec*, 11> kAll = {&kLlama, &kQwen2,  &kQwen3,  &kGptNeox, &kFalcon, &kMpt,
                                                  &kGpt2,  &kGemma2, &kGemma3, &kPhi3,    &kGptOss};

bool holds(std::span<const std::string_view> names, const std::string& name) {
  for (const std::string_view n : names) {
    if (n == name) return true;
  }
  return false;
}

void append(std::string& list, std::string_view name) {
  if (!list.empty()) list += ", ";
  list += name;
}
}  // namespace

std::span<const ArchSpec* const> all_archs() { return kAll; }

const ArchSpec* find_gguf_arch(const std::string& gguf_name) {
  for (const ArchSpec* a : kAll) {
    if (a->name == gguf_name || holds(a->gguf_aliases, gguf_name)) return a;
  }
  return nullptr;
}

const ArchSpec* find_hf_arch(const std::string& model_type) {
  for (const ArchSpec* a : kAll) {
    if (holds(a->hf_model_types, model_type)) return a;
  }
  return nullptr;
}

const ArchSpec& gguf_arch(const std::string& gguf_name, const std::string& where) {
  const ArchSpec* a = find_gguf_arch(gguf_name);
  if (a == nullptr) {
    throw Error(ErrorKind::kUnsupported,
                where + "architecture '" + gguf_name + "' is not supported (" + known_gguf_names() + ")");
  }
  return *a;
}

std::string known_gguf_names() {
  std::string s;
  for (const ArchSpec* a : kAll) {
    append(s, a->name);
    for (const std::string_view n : a->gguf_aliases) append(s, n);
  }
  return s;
}

std::string known_hf_model_types() {
  std::string s;
  for (const ArchSpec* a : kAll) {
    for (const std::string_view n : a->hf_model_types) append(s, n);
  }
  return s;
}

ModelConfig config_from_layout(const BlockLayout& layout, std::string_view name) {
  ModelConfig c;
  c.arch = std::string(name);
  c.norm = layout.norm;
  c.ffn = layout.ffn;
  c.positions = layout.positions;
  c.rope_layout = layout.gguf_rope_layout;
  c.parallel_residual = layout.parallel_residual;
  c.qk_norm = layout.qk_norm;
  return c;
}

}  // namespace sinkstream::model::arch
