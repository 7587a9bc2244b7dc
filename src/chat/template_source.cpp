#include "sinkstream/chat_template.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/gguf.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::chat {

namespace {

namespace fs = std::filesystem;

constexpr const char* kHowToGive = "give one with --chat-template FILE";

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(ErrorKind::kIo, "cannot read " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string token_text(const io::gguf::File& f, const std::vector<std::string>& tokens, const char* id_key) {
  if (!f.has(id_key)) return "";
  const int64_t id = f.get_int(id_key);
  return id >= 0 && static_cast<size_t>(id) < tokens.size() ? tokens[static_cast<size_t>(id)] : "";
}

TemplateSource from_gguf(const std::string& path, const std::string& name, bool need_template) {
  const auto f = io::gguf::File::open(path);
  TemplateSource src;
  if (f->has("tokenizer.ggml.tokens")) {
    const std::vector<std::string> tokens = f->get_string_array("tokenizer.ggml.tokens");
    src.bos_token = token_text(*f, tokens, "tokenizer.ggml.bos_token_id");
    src.eos_token = token_text(*f, tokens, "tokenizer.ggml.eos_token_id");
  }
  if (!need_template) return src;
  const std::string key = name.empty() ? "tokenizer.chat_template" : "tokenizer.chat_template." + name;
  if (!f->has(key)) {
    if (!name.empty()) throw Error(ErrorKind::kInvalidArg, path + " has no chat template named '" + name + "' (no " + key + ")");
    throw Error(ErrorKind::kInvalidArg, path + " has no chat template (no tokenizer.chat_template in its metadata); " + kHowToGive);
  }
  src.text = f->get_string(key);
  src.origin = path + ": " + key;
  return src;
}

// tokenizer_config.json's bos_token / eos_token: a string or an AddedToken {"content": ...}.
std::string special_token(const nlohmann::json& config, const char* key) {
  if (!config.contains(key)) return "";
  const auto& v = config.at(key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v.at("content").is_string()) return v.at("content").get<std::string>();
  return "";
}

std::string template_from_config(const nlohmann::json& value, const std::string& name, const std::string& where) {
  if (value.is_string()) {
    if (!name.empty() && name != "default") throw Error(ErrorKind::kInvalidArg, where + " has a single chat template, not one named '" + name + "'");
    return value.get<std::string>();
  }
  if (!value.is_array()) throw Error(ErrorKind::kFormat, where + ": chat_template must be a string or a list of {name, template}");
  const std::string wanted = name.empty() ? "default" : name;
  for (const auto& entry : value) {
    if (entry.is_object() && entry.contains("name") && entry.at("name") == wanted && entry.contains("template") && entry.at("template").is_string()) {
      return entry.at("template").get<std::string>();
    }
  }
  throw Error(ErrorKind::kInvalidArg, where + " has no chat template named '" + wanted + "'");
}

TemplateSource from_hf_folder(const std::string& dir, const std::string& name, bool need_template) {
  TemplateSource src;
  const std::string config_path = (fs::path(dir) / "tokenizer_config.json").string();
  nlohmann::json config = nlohmann::json::object();
  if (fs::exists(config_path)) {
    try {
      config = nlohmann::json::parse(read_text(config_path));
    } catch (const nlohmann::json::exception& e) {
      throw Error(ErrorKind::kFormat, config_path + ": " + e.what());
    }
    src.bos_token = special_token(config, "bos_token");
    src.eos_token = special_token(config, "eos_token");
  }
  if (!need_template) return src;
  const std::string jinja_path = (fs::path(dir) / "chat_template.jinja").string();
  if (name.empty() && fs::exists(jinja_path)) {
    src.text = read_text(jinja_path);
    src.origin = jinja_path;
    return src;
  }
  if (config.contains("chat_template")) {
    src.text = template_from_config(config.at("chat_template"), name, config_path);
    src.origin = config_path + ": chat_template";
    return src;
  }
  throw Error(ErrorKind::kInvalidArg, dir + " has no chat template (no chat_template.jinja, no chat_template in tokenizer_config.json); " + kHowToGive);
}

bool is_gguf(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char magic[4] = {};
  f.read(magic, 4);
  return f.gcount() == 4 && std::string(magic, 4) == "GGUF";
}

}  // namespace

TemplateSource find_template(const TemplateQuery& q) {
  const bool have_file = !q.template_file.empty();
  if (q.model.empty() && !have_file) throw Error(ErrorKind::kInvalidArg, std::string("no chat template: give a model (-m) or ") + "--chat-template FILE");
  TemplateSource src;
  if (!q.model.empty()) {
    if (fs::is_directory(q.model)) src = from_hf_folder(q.model, q.name, !have_file);
    else if (!fs::exists(q.model)) throw Error(ErrorKind::kIo, "cannot read " + q.model);
    else if (is_gguf(q.model)) src = from_gguf(q.model, q.name, !have_file);
    else if (!have_file) throw Error(ErrorKind::kInvalidArg, q.model + " carries no chat template (not a GGUF file or a Hugging Face folder); " + kHowToGive);
  }
  if (have_file) {
    src.text = read_text(q.template_file);
    src.origin = q.template_file;
  }
  return src;
}

}  // namespace sinkstream::chat
