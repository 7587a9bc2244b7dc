#include "sinkstream/convert.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/model_access.hpp"
#include "core/dtype.hpp"
#include "io/gguf.hpp"
#include "model/formats/gguf_export.hpp"
#include "sinkstream/chat_template.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {

namespace {
core::DType writable_type(const std::string& type) {
  core::DType t = core::DType::kF32;
  if (!core::dtype_from_name(type, &t)) {
    throw Error(ErrorKind::kInvalidArg, "unknown tensor type '" + type + "' (expected one of " + kWritableTypes + ")");
  }
  return t;
}
// The source model's chat templates as GGUF keys: every tokenizer.chat_template[.NAME]
// string of a GGUF file, or a Hugging Face folder's default template (none when it has none).
std::vector<std::pair<std::string, std::string>> chat_templates(const Model& model) {
  std::vector<std::pair<std::string, std::string>> out;
  static constexpr std::string_view kKey = "tokenizer.chat_template";
  if (model.format() == "gguf") {
    const auto f = io::gguf::File::open(model.path());
    for (const std::string& k : f->keys()) {
      const bool named = k.size() > kKey.size() + 1 && k.compare(0, kKey.size() + 1, std::string(kKey) + ".") == 0;
      if ((k == kKey || named) && f->type_of(k) == io::gguf::ValueType::kString) out.emplace_back(k, f->get_string(k));
    }
  } else if (model.format() == "hf") {
    try {
      out.emplace_back(std::string(kKey), chat::find_template(chat::TemplateQuery{model.path(), "", ""}).text);
    } catch (const Error&) {  // a folder without a template: nothing to carry
    }
  }
  return out;
}

}  // namespace

void check_writable_type(const std::string& type) { (void)writable_type(type); }

void write_gguf(const Model& model, const std::string& path, const GgufWriteOptions& options) {
  const core::DType type = writable_type(options.type);
  if (!model.has_weights()) throw Error(ErrorKind::kInvalidArg, model.path() + ": has no weights to write");
  model::formats::GgufExportOptions o;
  o.type = type;
  o.name = options.name;
  o.vocab = api::ModelAccess::vocab(model);
  o.strings = chat_templates(model);
  o.progress = options.progress;
  model::formats::export_gguf(model.config(), api::ModelAccess::weights(model), path, o);
}

}  // namespace sinkstream
