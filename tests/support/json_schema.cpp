#include "support/json_schema.hpp"

#include <cmath>
#include <set>

namespace sinkstream::test {

namespace {

using nlohmann::json;

bool has_type(const json& v, const std::string& t) {
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  if (t == "number") return v.is_number();
  if (t == "integer") {
    return v.is_number_integer() || (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>());
  }
  return false;
}

struct Validator {
  const json& root;
  std::vector<std::string> errors;

  void fail(const std::string& path, const std::string& what) { errors.push_back((path.empty() ? "/" : path) + ": " + what); }

  void check(const json& s, const json& v, const std::string& path) {
    static const std::set<std::string> known{"$schema", "$id", "title", "description", "$defs", "type", "properties",
                                             "required", "additionalProperties", "items", "minItems", "maxItems",
                                             "minimum", "maximum", "const", "enum", "$ref"};
    for (auto it = s.begin(); it != s.end(); ++it) {
      if (!known.count(it.key())) fail(path, "schema keyword '" + it.key() + "' is not supported by the test validator");
    }
    if (s.contains("$ref")) {
      const std::string ref = s["$ref"].get<std::string>();
      const std::string pre = "#/$defs/";
      if (ref.rfind(pre, 0) != 0 || !root["$defs"].contains(ref.substr(pre.size()))) {
        fail(path, "unresolvable $ref " + ref);
        return;
      }
      check(root["$defs"][ref.substr(pre.size())], v, path);
    }
    if (s.contains("type")) {
      bool ok = false;
      std::string names;
      if (s["type"].is_string()) {
        ok = has_type(v, s["type"].get<std::string>());
        names = s["type"].get<std::string>();
      } else {
        for (const json& t : s["type"]) {
          ok = ok || has_type(v, t.get<std::string>());
          names += (names.empty() ? "" : " or ") + t.get<std::string>();
        }
      }
      if (!ok) {
        fail(path, "expected " + names + ", got " + v.type_name());
        return;
      }
    }
    if (s.contains("const") && v != s["const"]) fail(path, "expected the constant " + s["const"].dump());
    if (s.contains("enum")) {
      bool found = false;
      for (const json& e : s["enum"]) found = found || e == v;
      if (!found) fail(path, "value " + v.dump() + " not in " + s["enum"].dump());
    }
    if (v.is_number()) {
      const double x = v.get<double>();
      if (s.contains("minimum") && x < s["minimum"].get<double>()) fail(path, v.dump() + " < minimum " + s["minimum"].dump());
      if (s.contains("maximum") && x > s["maximum"].get<double>()) fail(path, v.dump() + " > maximum " + s["maximum"].dump());
    }
    if (v.is_object()) {
      if (s.contains("required")) {
        for (const json& r : s["required"]) {
          if (!v.contains(r.get<std::string>())) fail(path, "missing required field '" + r.get<std::string>() + "'");
        }
      }
      const json props = s.value("properties", json::object());
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (props.contains(it.key())) {
          check(props[it.key()], it.value(), path + "/" + it.key());
        } else if (s.contains("additionalProperties") && s["additionalProperties"] == false) {
          fail(path, "unexpected field '" + it.key() + "'");
        }
      }
    }
    if (v.is_array()) {
      if (s.contains("minItems") && v.size() < s["minItems"].get<size_t>()) fail(path, "fewer than minItems items");
      if (s.contains("maxItems") && v.size() > s["maxItems"].get<size_t>()) fail(path, "more than maxItems items");
      if (s.contains("items")) {
        for (size_t i = 0; i < v.size(); ++i) check(s["items"], v[i], path + "/" + std::to_string(i));
      }
    }
  }
};

}  // namespace

std::vector<std::string> validate_json_schema(const json& schema, const json& instance) {
  Validator val{schema, {}};
  val.check(schema, instance, "");
  return val.errors;
}

}  // namespace sinkstream::test
