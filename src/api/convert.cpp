#include "sinkstream/convert.hpp"

#include "api/model_access.hpp"
#include "core/dtype.hpp"
#include "model/formats/gguf_export.hpp"
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
}  // namespace

void check_writable_type(const std::string& type) { (void)writable_type(type); }

void write_gguf(const Model& model, const std::string& path, const GgufWriteOptions& options) {
  const core::DType type = writable_type(options.type);
  if (!model.has_weights()) throw Error(ErrorKind::kInvalidArg, model.path() + ": has no weights to write");
  model::formats::GgufExportOptions o;
  o.type = type;
  o.name = options.name;
  o.vocab = api::ModelAccess::vocab(model);
  o.progress = options.progress;
  model::formats::export_gguf(model.config(), api::ModelAccess::weights(model), path, o);
}

}  // namespace sinkstream
