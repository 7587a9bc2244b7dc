// Typed, checked access to the fields of one JSON object (a Hugging Face
// config.json or one of its nested objects). Every error is a one-line
// sinkstream::Error naming the file and the field, with its parent object as
// prefix (e.g. "rope_parameters.factor").
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sinkstream::io {

class JsonFields {
 public:
  JsonFields(const nlohmann::json& j, const std::string& path, std::string prefix = "")
      : j_(j), path_(path), prefix_(std::move(prefix)) {}

  // Present and not null.
  bool has(const char* key) const { return j_.contains(key) && !j_.at(key).is_null(); }

  double number(const char* key) const;
  double number_or(const char* key, double def) const { return has(key) ? number(key) : def; }

  // An integer (a float with an integral value is accepted, as Python writes 4.0).
  int64_t integer(const char* key) const;
  int64_t integer_or(const char* key, int64_t def) const { return has(key) ? integer(key) : def; }

  bool boolean_or(const char* key, bool def) const;
  std::string string_or(const char* key, const std::string& def) const;

  // A list of strings (empty when absent or null).
  std::vector<std::string> strings_or_empty(const char* key) const;

  // The nested object at key, or nullptr when absent or null.
  const nlohmann::json* object(const char* key) const;

  // Fields of `obj` (found at `key` of this object) with "key." as prefix.
  JsonFields nested(const nlohmann::json& obj, const char* key) const {
    return JsonFields(obj, path_, prefix_ + key + ".");
  }

  [[noreturn]] void fail(const char* key, const std::string& what) const;         // ErrorKind::kFormat
  [[noreturn]] void unsupported(const char* key, const std::string& what) const;  // ErrorKind::kUnsupported

  const std::string& path() const { return path_; }

 private:
  const nlohmann::json& get(const char* key) const;

  const nlohmann::json& j_;
  std::string path_;
  std::string prefix_;
};

// v checked to be a positive 32-bit integer (the error names `key`).
int32_t to_i32(const JsonFields& f, const char* key, int64_t v);
// A required positive 32-bit integer field.
int32_t req_i32(const JsonFields& f, const char* key);
// An optional non-negative 32-bit field (0 allowed), `def` when absent.
int32_t opt_i32(const JsonFields& f, const char* key, int32_t def);
// The first of several aliases that is present (HF attribute maps), else fails on the first.
int32_t req_i32_alias(const JsonFields& f, std::initializer_list<const char*> keys);

// Parses JSON text whose top level must be an object; `path` is used in error messages only.
nlohmann::json parse_json_object(const std::string& json_text, const std::string& path);
// The text of the file at `path` (ErrorKind::kIo naming it when it cannot be read).
std::string read_text_file(const std::string& path);

}  // namespace sinkstream::io
