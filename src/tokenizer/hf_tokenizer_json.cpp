#include "tokenizer/hf_tokenizer_json.hpp"

#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "sinkstream/error.hpp"
#include "tokenizer/bpe_pretokenizers.hpp"

namespace sinkstream::tokenizer {

namespace {

using json = nlohmann::json;

const std::string kMeta = "\xE2\x96\x81";  // U+2581

// Caps on what the file may ask for. Real tokenizers nest "Sequence" steps one
// or two deep; ids are dense (a few holes at most).
constexpr int kMaxSequenceDepth = 32;
constexpr int64_t kMaxTokenId = (int64_t{1} << 24) - 1;  // 16.7M ids
constexpr int64_t kMaxIdHoles = 1024;                    // beyond one unused id per token

[[noreturn]] void unsupported(const std::string& source, const std::string& field, const std::string& what) {
  throw Error(ErrorKind::kUnsupported, source + ": " + field + ": " + what);
}
[[noreturn]] void bad(const std::string& source, const std::string& field, const std::string& what) {
  throw Error(ErrorKind::kFormat, source + ": " + field + ": " + what);
}

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(ErrorKind::kIo, path + ": cannot open");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Escapes `s` for use as a literal inside a PCRE2 pattern.
std::string regex_literal(const std::string& s) {
  std::string r = "\\Q";
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 2, "\\E") == 0) {
      r += "\\E\\\\E\\Q";
      ++i;
    } else {
      r += s[i];
    }
  }
  return r + "\\E";
}

struct PreTokenizerInfo {
  bool byte_level = false;
  bool metaspace = false;         // SentencePiece-style word marker
  bool metaspace_prefix = false;  // prepends "▁" to the first word
  std::vector<std::string> regexes;
};

void read_pre_step(const json& p, const std::string& source, const std::string& field, PreTokenizerInfo& info,
                   int depth = 0) {
  if (p.is_null()) return;
  const std::string type = p.value("type", "");
  if (type == "Sequence") {
    if (depth >= kMaxSequenceDepth) bad(source, "pre_tokenizer", "Sequence nested deeper than " + std::to_string(kMaxSequenceDepth));
    const json& list = p.at("pretokenizers");
    for (size_t i = 0; i < list.size(); ++i) {
      read_pre_step(list[i], source, field + "[" + std::to_string(i) + "]", info, depth + 1);
    }
  } else if (type == "ByteLevel") {
    info.byte_level = true;
    if (p.value("add_prefix_space", false)) unsupported(source, field, "ByteLevel add_prefix_space = true");
    if (p.value("use_regex", true)) info.regexes.push_back(gpt2_pretokenizer_regex());
  } else if (type == "Split") {
    if (p.value("invert", false)) unsupported(source, field, "Split with invert = true");
    const std::string behavior = p.value("behavior", "Isolated");
    if (behavior != "Isolated") unsupported(source, field, "Split behavior \"" + behavior + "\" (only Isolated)");
    const json& pat = p.at("pattern");
    if (pat.contains("Regex")) info.regexes.push_back(pat.at("Regex").get<std::string>());
    else if (pat.contains("String")) info.regexes.push_back(regex_literal(pat.at("String").get<std::string>()));
    else bad(source, field, "Split pattern is neither Regex nor String");
  } else if (type == "Digits") {
    info.regexes.push_back(p.value("individual_digits", false) ? "\\p{N}" : "\\p{N}+");
  } else if (type == "Punctuation") {
    const std::string behavior = p.value("behavior", "Isolated");
    if (behavior == "Isolated") info.regexes.push_back("[\\p{P}\\$\\+<=>\\^~\\|`]");
    else if (behavior == "Contiguous") info.regexes.push_back("[\\p{P}\\$\\+<=>\\^~\\|`]+");
    else unsupported(source, field, "Punctuation behavior \"" + behavior + "\"");
  } else if (type == "Metaspace") {
    info.metaspace = true;
    const std::string scheme = p.value("prepend_scheme", p.value("add_prefix_space", true) ? "always" : "never");
    info.metaspace_prefix = scheme != "never";
  } else if (type == "BertPreTokenizer" || type == "Whitespace" || type == "WhitespaceSplit") {
    // WordPiece's own splitting covers these.
  } else {
    unsupported(source, field, "pre-tokenizer type \"" + type + "\"");
  }
}

// SentencePiece-converted normalizers: Prepend("▁") and Replace(" ", "▁").
void read_normalizer(const json& n, const std::string& source, bool& prepend, bool& escapes_spaces, bool& lowercase,
                     bool& strip_accents, int depth = 0) {
  if (n.is_null()) return;
  const std::string type = n.value("type", "");
  if (type == "Sequence") {
    if (depth >= kMaxSequenceDepth) bad(source, "normalizer", "Sequence nested deeper than " + std::to_string(kMaxSequenceDepth));
    for (const json& s : n.at("normalizers")) {
      read_normalizer(s, source, prepend, escapes_spaces, lowercase, strip_accents, depth + 1);
    }
  } else if (type == "Prepend") {
    prepend = prepend || n.value("prepend", "") == kMeta;
  } else if (type == "Replace") {
    const json& pat = n.at("pattern");
    if (pat.contains("String") && pat.at("String") == " " && n.value("content", "") == kMeta) escapes_spaces = true;
  } else if (type == "BertNormalizer") {
    lowercase = n.value("lowercase", true);
    const bool sa_set = n.contains("strip_accents") && n.at("strip_accents").is_boolean();
    strip_accents = sa_set ? n.at("strip_accents").get<bool>() : lowercase;
  }
}

// A token id in [0, kMaxTokenId]: a JSON integer (nlohmann's get<int64_t>() of
// a float out of int64 range is undefined behaviour, and 1.5 would read as 1).
int64_t token_id(const json& v, const std::string& source, const std::string& field) {
  const bool is_int = v.is_number_integer() && (!v.is_number_unsigned() || v.get<uint64_t>() <= uint64_t{1} << 62);
  if (!is_int) bad(source, field, "id " + v.dump() + " is not an integer in [0, " + std::to_string(kMaxTokenId) + "]");
  const int64_t id = v.get<int64_t>();
  if (id < 0 || id > kMaxTokenId) bad(source, field, "id " + std::to_string(id) + " is outside [0, " + std::to_string(kMaxTokenId) + "]");
  return id;
}

// A special-token field of tokenizer_config.json: "text" or {"content": "text"}.
std::string token_field(const json& cfg, const char* key) {
  if (!cfg.contains(key)) return {};
  const json& v = cfg.at(key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content")) return v.at("content").get<std::string>();
  return {};
}

}  // namespace

VocabData vocab_from_hf_json_text(std::string_view tokenizer_json, std::string_view config_json,
                                  const std::string& source) {
  json j, cfg;
  try {
    j = json::parse(tokenizer_json);
    if (!config_json.empty()) cfg = json::parse(config_json);
  } catch (const json::exception& e) {
    bad(source, "JSON", e.what());
  }
  VocabData v;
  v.source = source;
  try {
    const json& model = j.at("model");
    const std::string type = model.value("type", "");
    const json& vocab = model.at("vocab");
    if (!vocab.is_object()) unsupported(source, "model.vocab", "is not a token -> id map (model type " + type + ")");

    // Ids: model vocab plus added tokens.
    std::unordered_map<int64_t, std::string> by_id;
    std::unordered_map<int64_t, TokenType> added_type;
    int64_t max_id = -1;
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
      const int64_t id = token_id(it.value(), source, "model.vocab[\"" + it.key() + "\"]");
      by_id[id] = it.key();
      max_id = std::max(max_id, id);
    }
    if (j.contains("added_tokens")) {
      for (const json& a : j.at("added_tokens")) {
        const int64_t id = token_id(a.at("id"), source, "added_tokens");
        by_id[id] = a.at("content").get<std::string>();
        added_type[id] = a.value("special", false) ? TokenType::kControl : TokenType::kUserDefined;
        max_id = std::max(max_id, id);
      }
    }
    if (max_id < 0) bad(source, "model.vocab", "is empty");
    // The id space is sized by the largest id: refuse one that the file's tokens cannot fill.
    const int64_t max_holes = static_cast<int64_t>(by_id.size()) + kMaxIdHoles;
    if (max_id + 1 - static_cast<int64_t>(by_id.size()) > max_holes) {
      bad(source, "model.vocab", "largest id " + std::to_string(max_id) + " leaves more than " +
                                     std::to_string(max_holes) + " unused ids among " + std::to_string(by_id.size()) +
                                     " tokens");
    }
    v.tokens.resize(static_cast<size_t>(max_id + 1));
    v.types.assign(v.tokens.size(), TokenType::kNormal);
    for (size_t i = 0; i < v.tokens.size(); ++i) {
      const auto it = by_id.find(static_cast<int64_t>(i));
      if (it != by_id.end()) {
        v.tokens[i] = it->second;
      } else {  // a hole in the id space
        v.tokens[i] = "[HOLE" + std::to_string(i) + "]";
        v.types[i] = TokenType::kUnused;
      }
    }
    for (const auto& [id, t] : added_type) v.types[static_cast<size_t>(id)] = t;

    std::unordered_map<std::string, int32_t> index;
    for (size_t i = 0; i < v.tokens.size(); ++i) index.emplace(v.tokens[i], static_cast<int32_t>(i));
    auto id_of = [&](const std::string& text) {
      const auto it = index.find(text);
      return it == index.end() ? -1 : it->second;
    };
    const std::string unk = model.contains("unk_token") && model.at("unk_token").is_string()
                                ? model.at("unk_token").get<std::string>()
                                : token_field(cfg, "unk_token");
    v.unk_id = unk.empty() ? -1 : id_of(unk);
    if (v.unk_id >= 0 && v.types[static_cast<size_t>(v.unk_id)] == TokenType::kNormal) {
      v.types[static_cast<size_t>(v.unk_id)] = TokenType::kUnknown;
    }

    PreTokenizerInfo pre;
    const json none;  // by reference below: copying a deeply nested step would recurse before the depth check
    read_pre_step(j.contains("pre_tokenizer") ? j.at("pre_tokenizer") : none, source, "pre_tokenizer", pre);
    bool prepend = false, escapes = false;
    read_normalizer(j.contains("normalizer") ? j.at("normalizer") : none, source, prepend, escapes, v.lowercase,
                    v.strip_accents);

    if (type == "BPE") {
      std::vector<std::string> merges;
      for (const json& m : model.at("merges")) {
        if (m.is_string()) merges.push_back(m.get<std::string>());
        else if (m.is_array() && m.size() == 2) merges.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
        else bad(source, "model.merges", "entry is neither \"a b\" nor [a, b]");
      }
      v.ignore_merges = model.value("ignore_merges", false);
      if (pre.byte_level) {
        v.model = VocabModel::kBpe;
        v.merges = std::move(merges);
        v.pre_regexes = std::move(pre.regexes);
        if (v.pre_regexes.empty()) v.pre_regexes.push_back("(?s).+");  // ByteLevel without regex: one word
        // The name llama.cpp knows for this split (GGUF export refuses to write kUnnamedPreTokenizer).
        v.pre = known_pretokenizer_name(v.pre_regexes, v.ignore_merges).value_or(kUnnamedPreTokenizer);
      } else if (model.value("byte_fallback", false) || pre.metaspace || escapes) {
        if (!pre.regexes.empty()) unsupported(source, "pre_tokenizer", "regex splitting in a SentencePiece-style BPE");
        v.model = VocabModel::kSpm;
        v.add_space_prefix = prepend || pre.metaspace_prefix;
        v.scores.assign(v.tokens.size(), -1e30f);
        for (size_t r = merges.size(); r-- > 0;) {  // lowest rank written last
          const std::string& m = merges[r];
          const size_t sp = m.find(' ', 1);
          if (sp == std::string::npos) bad(source, "model.merges[" + std::to_string(r) + "]", "is not \"a b\"");
          const int32_t id = id_of(m.substr(0, sp) + m.substr(sp + 1));
          if (id < 0) bad(source, "model.merges[" + std::to_string(r) + "]", "\"" + m + "\" makes no token");
          v.scores[static_cast<size_t>(id)] = -static_cast<float>(r);
        }
        for (size_t i = 0; i < v.tokens.size(); ++i) {
          const std::string& t = v.tokens[i];
          if (v.types[i] == TokenType::kNormal && t.size() == 6 && t.starts_with("<0x") && t.back() == '>') {
            v.types[i] = TokenType::kByte;
          }
        }
      } else {
        unsupported(source, "pre_tokenizer", "BPE without ByteLevel or SentencePiece-style normalization");
      }
    } else if (type == "WordPiece") {
      v.model = VocabModel::kWordPiece;
      const std::string prefix = model.value("continuing_subword_prefix", "##");
      for (size_t i = 0; i < v.tokens.size(); ++i) {
        if (v.types[i] != TokenType::kNormal) continue;
        std::string& t = v.tokens[i];
        if (!prefix.empty() && t.starts_with(prefix)) t.erase(0, prefix.size());
        else t = kMeta + t;
      }
      v.add_sep = true;
    } else {
      unsupported(source, "model.type", "\"" + type + "\" (supported: BPE, WordPiece)");
    }

    // Special ids and framing: tokenizer_config.json first, then the post-processor template.
    const std::string bos = token_field(cfg, "bos_token"), eos = token_field(cfg, "eos_token");
    const std::string pad = token_field(cfg, "pad_token");
    if (!bos.empty()) v.bos_id = id_of(bos);
    if (!eos.empty()) v.eos_id = id_of(eos);
    if (!pad.empty()) v.pad_id = id_of(pad);
    const json& pp = j.contains("post_processor") ? j.at("post_processor") : none;
    if (pp.is_object() && pp.value("type", "") == "TemplateProcessing" && pp.contains("single")) {
      const json& single = pp.at("single");
      auto special_at = [&](size_t k) -> int32_t {
        if (k >= single.size() || !single[k].contains("SpecialToken")) return -1;
        return id_of(single[k].at("SpecialToken").at("id").get<std::string>());
      };
      const int32_t first = special_at(0), last = single.empty() ? -1 : special_at(single.size() - 1);
      if (first >= 0) {
        v.bos_id = first;
        v.add_bos = true;
      }
      if (last >= 0 && single.size() > 1) {
        if (v.model == VocabModel::kWordPiece) v.sep_id = last;
        else {
          v.eos_id = v.eos_id < 0 ? last : v.eos_id;
          v.add_eos = true;
        }
      }
    }
    if (v.model == VocabModel::kWordPiece && v.sep_id < 0) v.add_sep = false;
    if (cfg.contains("add_bos_token") && cfg.at("add_bos_token").is_boolean()) v.add_bos = cfg.at("add_bos_token").get<bool>();
    if (cfg.contains("add_eos_token") && cfg.at("add_eos_token").is_boolean()) v.add_eos = cfg.at("add_eos_token").get<bool>();
    if (v.add_bos && v.bos_id < 0) v.add_bos = false;
    if (v.add_eos && v.eos_id < 0) v.add_eos = false;
  } catch (const json::exception& e) {
    bad(source, "JSON structure", e.what());
  }
  validate_vocab(v);
  return v;
}

VocabData vocab_from_hf_tokenizer_json(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path p = fs::is_directory(path) ? fs::path(path) / "tokenizer.json" : fs::path(path);
  const fs::path cfg = p.parent_path() / "tokenizer_config.json";
  const std::string config = fs::exists(cfg) ? read_text(cfg.string()) : std::string();
  return vocab_from_hf_json_text(read_text(p.string()), config, p.string());
}

}  // namespace sinkstream::tokenizer
