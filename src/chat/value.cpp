#include "chat/value.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "chat/limits.hpp"
#include "chat/render_budget.hpp"
#include "chat/template_error.hpp"

namespace sinkstream::chat {

Value Value::string(std::string x) {
  const size_t cap = render_limits().output_bytes;
  if (x.size() > cap) render_error("a string grew past " + std::to_string(cap) + " bytes");
  if (RenderBudget* b = RenderBudget::current()) b->add_bytes(x.size());
  Value v = of(Kind::kString);
  v.s = std::move(x);
  return v;
}

void Value::note_items_built(size_t n) {
  if (RenderBudget* b = RenderBudget::current()) b->add_items(n);
}

Value Value::make_list(List items) {
  const size_t cap = render_limits().list_items;
  if (items.size() > cap) render_error("a list grew past " + std::to_string(cap) + " items");
  if (RenderBudget* b = RenderBudget::current()) b->add_items(items.size());
  Value v = of(Kind::kList);
  v.list = std::make_shared<List>(std::move(items));
  return v;
}

Value Value::make_tuple(List items) {
  Value v = make_list(std::move(items));
  v.kind = Kind::kTuple;
  return v;
}

Value Value::make_dict(DictItems items) {
  Value v = of(Kind::kDict);
  v.dict = std::make_shared<DictItems>(std::move(items));
  return v;
}

Value Value::make_namespace(DictItems items) {
  Value v = make_dict(std::move(items));
  v.kind = Kind::kNamespace;
  return v;
}

Value Value::callable(std::string name, Function fn) {
  Value v = of(Kind::kCallable);
  v.fn = std::make_shared<const Callable>(Callable{std::move(name), std::move(fn)});
  return v;
}

Value Value::generator(List items, std::string type) {
  Value v = make_list(std::move(items));
  v.kind = Kind::kGenerator;
  v.s = std::move(type);
  return v;
}

List drain(const Value& generator) {
  List items = std::move(*generator.list);
  generator.list->clear();
  return items;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

const Value* CallArgs::get(size_t pos, std::string_view name) const {
  if (pos < args.size()) return &args[pos];
  for (const auto& [k, v] : kwargs) {
    if (k == name) return &v;
  }
  return nullptr;
}

const char* type_name(const Value& v) {
  switch (v.kind) {
    case Kind::kUndefined: return "Undefined";
    case Kind::kNone: return "NoneType";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kString: return "str";
    case Kind::kList: return "list";
    case Kind::kTuple: return "tuple";
    case Kind::kDict: return "dict";
    case Kind::kNamespace: return "Namespace";
    case Kind::kCallable: return "function";
    case Kind::kGenerator: return v.s.c_str();
  }
  return "object";
}

std::string object_description(const Value& v) {
  if (v.is_none()) return "None";
  return std::string(type_name(v)) + " object";
}

bool truthy(const Value& v) {
  switch (v.kind) {
    case Kind::kUndefined:
    case Kind::kNone: return false;
    case Kind::kBool: return v.b;
    case Kind::kInt: return v.i != 0;
    case Kind::kFloat: return v.f != 0.0;
    case Kind::kString: return !v.s.empty();
    case Kind::kList:
    case Kind::kTuple: return !v.list->empty();
    case Kind::kDict: return !v.dict->empty();
    case Kind::kNamespace:
    case Kind::kCallable:
    case Kind::kGenerator: return true;
  }
  return false;
}

namespace {

double as_double(const Value& v) {
  if (v.kind == Kind::kFloat) return v.f;
  if (v.kind == Kind::kBool) return v.b ? 1.0 : 0.0;
  return static_cast<double>(v.i);
}

int64_t as_int(const Value& v) { return v.kind == Kind::kBool ? (v.b ? 1 : 0) : v.i; }

void check_value_depth(int depth, const char* what) {
  if (depth > kMaxValueDepth) {
    render_error(std::string(what) + ": a value nested deeper than " + std::to_string(kMaxValueDepth) +
                 " levels (does a list or namespace contain itself?)");
  }
}

bool equals_at(const Value& a, const Value& b, int depth) {
  check_value_depth(depth, "==");
  if (a.is_number() && b.is_number()) {
    if (a.kind == Kind::kFloat || b.kind == Kind::kFloat) return as_double(a) == as_double(b);
    return as_int(a) == as_int(b);
  }
  if (a.kind != b.kind) return false;  // numbers aside; a list never equals a tuple in Python
  switch (a.kind) {
    case Kind::kUndefined:
    case Kind::kNone: return true;
    case Kind::kString: return a.s == b.s;
    case Kind::kList:
    case Kind::kTuple: {
      if (a.list == b.list) return true;
      if (a.list->size() != b.list->size()) return false;
      for (size_t k = 0; k < a.list->size(); ++k) {
        if (!equals_at((*a.list)[k], (*b.list)[k], depth + 1)) return false;
      }
      return true;
    }
    case Kind::kDict: {
      if (a.dict == b.dict) return true;
      if (a.dict->size() != b.dict->size()) return false;
      for (const auto& [k, v] : *a.dict) {
        const Value* o = dict_find(*b.dict, k);
        if (o == nullptr || !equals_at(v, *o, depth + 1)) return false;
      }
      return true;
    }
    case Kind::kNamespace: return a.dict == b.dict;
    case Kind::kCallable: return a.fn == b.fn;
    case Kind::kGenerator: return a.list == b.list;
    default: return false;
  }
}

bool less_at(const Value& a, const Value& b, int depth) {
  check_value_depth(depth, "<");
  require_defined(a);
  require_defined(b);
  if (a.is_number() && b.is_number()) {
    if (a.kind == Kind::kFloat || b.kind == Kind::kFloat) return as_double(a) < as_double(b);
    return as_int(a) < as_int(b);
  }
  if (a.is_string() && b.is_string()) return a.s < b.s;
  if (a.is_sequence() && a.kind == b.kind) {
    const List& x = *a.list;
    const List& y = *b.list;
    for (size_t k = 0; k < x.size() && k < y.size(); ++k) {
      if (!equals_at(x[k], y[k], depth + 1)) return less_at(x[k], y[k], depth + 1);
    }
    return x.size() < y.size();
  }
  render_error(std::string("'<' not supported between instances of '") + type_name(a) + "' and '" + type_name(b) + "'");
}

}  // namespace

bool equals(const Value& a, const Value& b) { return equals_at(a, b, 0); }

bool less(const Value& a, const Value& b) { return less_at(a, b, 0); }

std::string float_repr(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  if (x == 0.0) return std::signbit(x) ? "-0.0" : "0.0";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  const std::string sci(buf, res.ptr);  // d.ddde[+-]XX
  const size_t e = sci.find('e');
  std::string mant = sci.substr(0, e);
  const int exp = std::stoi(sci.substr(e + 1));
  const bool neg = mant[0] == '-';
  if (neg) mant.erase(0, 1);
  std::string digits;
  for (char c : mant) {
    if (c != '.') digits += c;
  }
  std::string out;
  if (exp < -4 || exp >= 16) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += std::string(".") + digits.substr(1);
    char ebuf[16];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    out += ebuf;
  } else if (exp < 0) {
    out = std::string("0.") + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  } else {
    const size_t point = static_cast<size_t>(exp) + 1;
    if (digits.size() <= point) {
      out = digits + std::string(point - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, point) + "." + digits.substr(point);
    }
  }
  return neg ? std::string("-") + out : out;
}

namespace {

std::string string_repr(const std::string& s) {
  const bool has_single = s.find('\'') != std::string::npos;
  const bool has_double = s.find('"') != std::string::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (unsigned char c : s) {
    if (c == static_cast<unsigned char>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += quote;
  return out;
}

}  // namespace

namespace {

// Appends repr(v) to out: depth-limited, and the text capped like any string.
void repr_into(const Value& v, int depth, std::string& out) {
  check_value_depth(depth, "repr");
  const size_t cap = render_limits().output_bytes;
  if (out.size() > cap) render_error("a repr grew past " + std::to_string(cap) + " bytes");
  const auto items = [&](const DictItems& d) {
    bool first = true;
    for (const auto& [k, x] : d) {
      if (!first) out += ", ";
      first = false;
      repr_into(k, depth + 1, out);
      out += ": ";
      repr_into(x, depth + 1, out);
    }
  };
  switch (v.kind) {
    case Kind::kUndefined: out += "Undefined"; return;
    case Kind::kString: out += string_repr(v.s); return;
    case Kind::kList:
    case Kind::kTuple: {
      const bool tuple = v.kind == Kind::kTuple;
      out += tuple ? "(" : "[";
      for (size_t k = 0; k < v.list->size(); ++k) {
        if (k) out += ", ";
        repr_into((*v.list)[k], depth + 1, out);
      }
      if (tuple && v.list->size() == 1) out += ",";
      out += tuple ? ")" : "]";
      return;
    }
    case Kind::kDict:
      out += "{";
      items(*v.dict);
      out += "}";
      return;
    case Kind::kNamespace:
      out += "<Namespace {";
      items(*v.dict);
      out += "}>";
      return;
    default: out += to_str(v); return;
  }
}

}  // namespace

std::string to_repr(const Value& v) {
  std::string out;
  repr_into(v, 0, out);
  return out;
}

std::string to_str(const Value& v) {
  switch (v.kind) {
    case Kind::kUndefined: return "";
    case Kind::kNone: return "None";
    case Kind::kBool: return v.b ? "True" : "False";
    case Kind::kInt: return std::to_string(v.i);
    case Kind::kFloat: return float_repr(v.f);
    case Kind::kString: return v.s;
    case Kind::kCallable: return std::string("<function ") + v.fn->name + ">";
    case Kind::kGenerator: return std::string("<") + v.s + " object>";
    default: return to_repr(v);
  }
}

const Value* dict_find(const DictItems& d, const Value& key) {
  for (const auto& [k, v] : d) {
    if (equals(k, key)) return &v;
  }
  return nullptr;
}

const Value* dict_find(const DictItems& d, std::string_view key) {
  for (const auto& [k, v] : d) {
    if (k.kind == Kind::kString && k.s == key) return &v;
  }
  return nullptr;
}

void dict_set(DictItems& d, const Value& key, Value v) {
  for (auto& [k, x] : d) {
    if (equals(k, key)) {
      x = std::move(v);
      return;
    }
  }
  d.emplace_back(key, std::move(v));
}

Value from_json(const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null: return Value::none();
    case nlohmann::ordered_json::value_t::boolean: return Value::boolean(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer: return Value::integer(j.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      const uint64_t u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return Value::real(static_cast<double>(u));
      return Value::integer(static_cast<int64_t>(u));
    }
    case nlohmann::ordered_json::value_t::number_float: return Value::real(j.get<double>());
    case nlohmann::ordered_json::value_t::string: return Value::string(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      List items;
      items.reserve(j.size());
      for (const auto& x : j) items.push_back(from_json(x));
      return Value::make_list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      DictItems items;
      items.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) items.emplace_back(Value::string(it.key()), from_json(it.value()));
      return Value::make_dict(std::move(items));
    }
    default: return Value::none();
  }
}

void require_defined(const Value& v) {
  if (v.is_undefined()) render_error(v.s.empty() ? "value is undefined" : v.s);
}

}  // namespace sinkstream::chat
