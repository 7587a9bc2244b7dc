#include "io/json_fields.hpp"

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "sinkstream/error.hpp"

namespace sinkstream::io {

using nlohmann::json;

double JsonFields::number(const char* key) const {
  const json& v = get(key);
  if (!v.is_number()) fail(key, "must be a number");
  return v.get<double>();
}

int64_t JsonFields::integer(const char* key) const {
  const json& v = get(key);
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) return static_cast<int64_t>(d);
  }
  fail(key, "must be an integer");
}

bool JsonFields::boolean_or(const char* key, bool def) const {
  if (!has(key)) return def;
  const json& v = j_.at(key);
  if (!v.is_boolean()) fail(key, "must be true or false");
  return v.get<bool>();
}

std::string JsonFields::string_or(const char* key, const std::string& def) const {
  if (!has(key)) return def;
  const json& v = j_.at(key);
  if (!v.is_string()) fail(key, "must be a string");
  return v.get<std::string>();
}

std::vector<std::string> JsonFields::strings_or_empty(const char* key) const {
  std::vector<std::string> out;
  if (!has(key)) return out;
  const json& v = j_.at(key);
  if (!v.is_array()) fail(key, "must be a list of strings");
  for (const json& e : v) {
    if (!e.is_string()) fail(key, "must be a list of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

const json* JsonFields::object(const char* key) const {
  if (!has(key)) return nullptr;
  const json& v = j_.at(key);
  if (!v.is_object()) fail(key, "must be an object");
  return &v;
}

void JsonFields::fail(const char* key, const std::string& what) const {
  throw Error(ErrorKind::kFormat, path_ + ": field '" + prefix_ + key + "' " + what);
}

void JsonFields::unsupported(const char* key, const std::string& what) const {
  throw Error(ErrorKind::kUnsupported, path_ + ": field '" + prefix_ + key + "' " + what);
}

const json& JsonFields::get(const char* key) const {
  if (!has(key)) fail(key, "is missing");
  return j_.at(key);
}

int32_t to_i32(const JsonFields& f, const char* key, int64_t v) {
  if (v <= 0 || v > std::numeric_limits<int32_t>::max()) {
    f.fail(key, "must be a positive 32-bit integer (got " + std::to_string(v) + ")");
  }
  return static_cast<int32_t>(v);
}

int32_t req_i32(const JsonFields& f, const char* key) { return to_i32(f, key, f.integer(key)); }

int32_t opt_i32(const JsonFields& f, const char* key, int32_t def) {
  const int64_t v = f.integer_or(key, def);
  if (v < 0 || v > std::numeric_limits<int32_t>::max()) {
    f.fail(key, "must be a non-negative 32-bit integer (got " + std::to_string(v) + ")");
  }
  return static_cast<int32_t>(v);
}

int32_t req_i32_alias(const JsonFields& f, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    if (f.has(k)) return req_i32(f, k);
  }
  f.fail(*keys.begin(), "is missing");
}

json parse_json_object(const std::string& json_text, const std::string& path) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::exception& e) {
    throw Error(ErrorKind::kFormat, path + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw Error(ErrorKind::kFormat, path + ": top level must be a JSON object");
  return j;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::kIo, path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error(ErrorKind::kIo, path + ": read error");
  return ss.str();
}

}  // namespace sinkstream::io
