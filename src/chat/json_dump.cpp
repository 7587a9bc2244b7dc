#include "chat/json_dump.hpp"

#include <cmath>
#include <cstdio>

#include "chat/limits.hpp"
#include "chat/render_budget.hpp"
#include "chat/template_error.hpp"

namespace sinkstream::chat {

namespace {

void dump_string(const std::string& s, std::string& out) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

std::string key_string(const Value& k) {
  switch (k.kind) {
    case Kind::kString: return k.s;
    case Kind::kNone: return "null";
    case Kind::kBool: return k.b ? "true" : "false";
    case Kind::kInt: return std::to_string(k.i);
    case Kind::kFloat: return float_repr(k.f);
    default: render_error(std::string("keys must be str, int, float, bool or None, not ") + type_name(k));
  }
}

struct Dumper {
  const std::optional<std::string>& indent;
  std::string& out;

  void newline(int depth) {
    out += '\n';
    for (int d = 0; d < depth; ++d) out += *indent;
  }

  void dump(const Value& v, int depth) {
    if (out.size() > render_limits().output_bytes) render_error(std::string("tojson output grew past ") + std::to_string(render_limits().output_bytes) + " bytes");
    if (depth > kMaxParseDepth * 4) render_error("tojson: value nested too deeply");
    switch (v.kind) {
      case Kind::kNone: out += "null"; return;
      case Kind::kBool: out += v.b ? "true" : "false"; return;
      case Kind::kInt: out += std::to_string(v.i); return;
      case Kind::kFloat:
        if (std::isnan(v.f)) out += "NaN";
        else if (std::isinf(v.f)) out += v.f > 0 ? "Infinity" : "-Infinity";
        else out += float_repr(v.f);
        return;
      case Kind::kString: dump_string(v.s, out); return;
      case Kind::kList:
      case Kind::kTuple: dump_list(*v.list, depth); return;
      case Kind::kDict: dump_dict(*v.dict, depth); return;
      default:
        render_error(std::string("Object of type ") + (v.kind == Kind::kNamespace ? "Namespace" : type_name(v)) +
                     " is not JSON serializable");
    }
  }

  void dump_list(const List& items, int depth) {
    if (items.empty()) {
      out += "[]";
      return;
    }
    out += '[';
    for (size_t k = 0; k < items.size(); ++k) {
      if (k) out += indent ? "," : ", ";
      if (indent) newline(depth + 1);
      dump(items[k], depth + 1);
    }
    if (indent) newline(depth);
    out += ']';
  }

  void dump_dict(const DictItems& items, int depth) {
    if (items.empty()) {
      out += "{}";
      return;
    }
    out += '{';
    bool first = true;
    for (const auto& [k, x] : items) {
      if (!first) out += indent ? "," : ", ";
      first = false;
      if (indent) newline(depth + 1);
      dump_string(key_string(k), out);
      out += ": ";
      dump(x, depth + 1);
    }
    if (indent) newline(depth);
    out += '}';
  }
};

}  // namespace

std::string json_dumps(const Value& v, std::optional<std::string> indent) {
  std::string out;
  Dumper d{indent, out};
  d.dump(v, 0);
  return out;
}

}  // namespace sinkstream::chat
