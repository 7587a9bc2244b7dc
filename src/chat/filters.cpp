// jinja2's built-in filters (the ones chat templates use), plus Hugging Face's tojson.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

#include "chat/builtins.hpp"
#include "chat/evaluator.hpp"
#include "chat/json_dump.hpp"
#include "chat/limits.hpp"
#include "chat/render_budget.hpp"
#include "chat/string_ops.hpp"
#include "chat/template_error.hpp"
#include "chat/utf8_text.hpp"

namespace sinkstream::chat {

namespace {

std::optional<std::string> opt_str(const CallArgs& a, size_t pos, std::string_view name) {
  const Value* v = given_arg(a, pos, name);
  if (v == nullptr) return std::nullopt;
  return to_str(*v);
}

// jinja2's make_attrgetter: "a.b.0" looked up item-first, part by part.
Value attr_path(Evaluator& ev, Value item, const std::string& path) {
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const bool digits = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    item = ev.get_item(item, digits ? Value::integer(std::strtoll(part.c_str(), nullptr, 10)) : Value::string(part));
    if (dot == std::string::npos) return item;
    start = dot + 1;
  }
}

// A string filter's result keeps the Markup mark of its input (jinja2's soft_str).
Value like(const Value& input, std::string s) {
  return input.is_string() && input.safe ? Value::markup(std::move(s)) : Value::string(std::move(s));
}

Value length(Evaluator&, const Value& v, CallArgs&) {
  switch (v.kind) {
    case Kind::kUndefined: return Value::integer(0);
    case Kind::kString: return Value::integer(static_cast<int64_t>(code_point_count(v.s)));
    case Kind::kList:
    case Kind::kTuple: return Value::integer(static_cast<int64_t>(v.list->size()));
    case Kind::kDict: return Value::integer(static_cast<int64_t>(v.dict->size()));
    default: render_error(std::string("object of type '") + type_name(v) + "' has no len()");
  }
}

Value tojson(Evaluator&, const Value& v, CallArgs& a) {
  const Value* indent = a.get(0, "indent");
  std::optional<std::string> pad;
  if (indent != nullptr && !indent->is_none()) {
    if (indent->is_string()) pad = indent->s;
    else pad = std::string(static_cast<size_t>(std::clamp<int64_t>(int_arg(a, 0, "indent", 0), 0, 64)), ' ');
  }
  return Value::string(json_dumps(v, pad));
}

Value trim(Evaluator&, const Value& v, CallArgs& a) {
  return like(v, py_strip(to_str(v), opt_str(a, 0, "chars"), true, true));
}
Value upper(Evaluator&, const Value& v, CallArgs&) { return like(v, py_upper(to_str(v))); }
Value lower(Evaluator&, const Value& v, CallArgs&) { return like(v, py_lower(to_str(v))); }
Value capitalize(Evaluator&, const Value& v, CallArgs&) { return like(v, py_capitalize(to_str(v))); }
// jinja2's title filter (not str.title): words begin after runs of '-', whitespace, '(', '{', '[', '<';
// each word's first character is upper-cased and the rest lower-cased.
Value title(Evaluator&, const Value& v, CallArgs&) {
  const std::string s = to_str(v);
  std::string out;
  bool word_start = true;
  for (char c : s) {
    const bool sep = c == '-' || ascii_space(c) || c == '(' || c == '{' || c == '[' || c == '<';
    out += sep ? c : (word_start ? ascii_upper(c) : ascii_lower(c));
    word_start = sep;
  }
  return like(v, std::move(out));
}
Value string(Evaluator&, const Value& v, CallArgs&) { return like(v, to_str(v)); }
Value safe(Evaluator&, const Value& v, CallArgs&) { return Value::markup(to_str(v)); }

Value escape(Evaluator&, const Value& v, CallArgs&) {
  if (v.is_string() && v.safe) return v;
  return Value::markup(html_escape(to_str(v)));
}

Value items(Evaluator&, const Value& v, CallArgs&) {
  if (v.is_undefined()) return Value::make_list();
  if (!v.is_mapping()) render_error("Can only get item pairs from a mapping.");
  List out;
  for (const auto& [k, x] : *v.dict) out.push_back(Value::make_tuple({k, x}));
  return Value::generator(std::move(out));
}

Value list(Evaluator& ev, const Value& v, CallArgs&) { return Value::make_list(ev.iterate(v)); }

Value select_impl(Evaluator& ev, const Value& v, CallArgs& a, bool by_attr, bool keep) {
  size_t next = 0;
  std::string attr;
  if (by_attr) {
    if (a.args.empty()) render_error("selectattr/rejectattr needs an attribute name");
    attr = to_str(a.args[next++]);
  }
  std::string test_name;
  if (next < a.args.size()) test_name = to_str(a.args[next++]);
  CallArgs test_args;
  test_args.args.assign(a.args.begin() + static_cast<std::ptrdiff_t>(next), a.args.end());
  List out;
  if (!truthy(v)) return Value::generator(std::move(out));
  for (const Value& item : ev.iterate(v)) {
    ev.count_iterations(1);
    const Value subject = by_attr ? attr_path(ev, item, attr) : item;
    CallArgs args = test_args;
    const bool pass = test_name.empty() ? truthy(subject) : ev.test(test_name, subject, args);
    if (pass == keep) out.push_back(item);
  }
  return Value::generator(std::move(out));
}
Value selectattr(Evaluator& ev, const Value& v, CallArgs& a) { return select_impl(ev, v, a, true, true); }
Value rejectattr(Evaluator& ev, const Value& v, CallArgs& a) { return select_impl(ev, v, a, true, false); }
Value select(Evaluator& ev, const Value& v, CallArgs& a) { return select_impl(ev, v, a, false, true); }
Value reject(Evaluator& ev, const Value& v, CallArgs& a) { return select_impl(ev, v, a, false, false); }

Value map(Evaluator& ev, const Value& v, CallArgs& a) {
  List out;
  if (!truthy(v)) return Value::generator(std::move(out));
  const Value* attribute = a.get(static_cast<size_t>(-1), "attribute");
  if (attribute != nullptr) {
    const Value* dflt = a.get(static_cast<size_t>(-1), "default");
    for (const Value& item : ev.iterate(v)) {
      ev.count_iterations(1);
      Value x = attr_path(ev, item, to_str(*attribute));
      if (x.is_undefined() && dflt != nullptr) x = *dflt;
      out.push_back(std::move(x));
    }
    return Value::generator(std::move(out));
  }
  if (a.args.empty()) render_error("map requires a filter argument");
  const std::string name = to_str(a.args[0]);
  CallArgs rest;
  rest.args.assign(a.args.begin() + 1, a.args.end());
  rest.kwargs = a.kwargs;
  for (const Value& item : ev.iterate(v)) {
    ev.count_iterations(1);
    CallArgs args = rest;
    out.push_back(ev.filter(name, item, args));
  }
  return Value::generator(std::move(out));
}

Value join(Evaluator& ev, const Value& v, CallArgs& a) {
  const std::string sep = str_arg(a, 0, "d", "");
  const std::optional<std::string> attribute = opt_str(a, 1, "attribute");
  std::string out;
  bool first = true;
  for (const Value& item : ev.iterate(v)) {
    if (!first) out += sep;
    first = false;
    out += to_str(attribute ? attr_path(ev, item, *attribute) : item);
    if (out.size() > render_limits().output_bytes) render_error("join result too large");
  }
  return Value::string(std::move(out));
}

Value default_(Evaluator&, const Value& v, CallArgs& a) {
  static const Value kEmpty = Value::string("");
  const Value& dflt = arg_or(a, 0, "default_value", kEmpty);
  const bool boolean = truthy(arg_or(a, 1, "boolean", kNone));
  if (v.is_undefined() || (boolean && !truthy(v))) return dflt;
  return v;
}

Value replace(Evaluator&, const Value& v, CallArgs& a) {
  if (a.args.size() < 2) render_error("replace needs old and new strings");
  return Value::string(py_replace(to_str(v), to_str(a.args[0]), to_str(a.args[1]), int_arg(a, 2, "count", -1)));
}

std::optional<double> parse_float(const std::string& text) {
  const std::string t = py_strip(text, std::nullopt, true, true);
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  const double d = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return std::nullopt;
  return d;
}

Value int_(Evaluator&, const Value& v, CallArgs& a) {
  const Value dflt = Value::integer(int_arg(a, 0, "default", 0));
  require_defined(v);
  switch (v.kind) {
    case Kind::kInt: return v;
    case Kind::kBool: return Value::integer(v.b ? 1 : 0);
    case Kind::kFloat:
      if (!std::isfinite(v.f) || std::fabs(v.f) > 9.2e18) return dflt;
      return Value::integer(static_cast<int64_t>(v.f));
    case Kind::kString: {
      const std::string t = py_strip(v.s, std::nullopt, true, true);
      const int64_t base = int_arg(a, 1, "base", 10);
      if (base >= 2 && base <= 36 && !t.empty()) {
        char* end = nullptr;
        errno = 0;
        const long long n = std::strtoll(t.c_str(), &end, static_cast<int>(base));
        if (end == t.c_str() + t.size() && errno == 0) return Value::integer(n);
      }
      const std::optional<double> d = parse_float(v.s);
      if (d && std::isfinite(*d) && std::fabs(*d) < 9.2e18) return Value::integer(static_cast<int64_t>(*d));
      return dflt;
    }
    default: return dflt;
  }
}

Value float_(Evaluator&, const Value& v, CallArgs& a) {
  static const Value kZero = Value::real(0.0);
  const Value& dflt = arg_or(a, 0, "default", kZero);
  require_defined(v);
  if (v.kind == Kind::kFloat) return v;
  if (v.kind == Kind::kInt) return Value::real(static_cast<double>(v.i));
  if (v.kind == Kind::kBool) return Value::real(v.b ? 1.0 : 0.0);
  if (v.is_string()) {
    if (const std::optional<double> d = parse_float(v.s)) return Value::real(*d);
  }
  return dflt;
}

Value first(Evaluator& ev, const Value& v, CallArgs&) {
  if (v.kind == Kind::kGenerator) {  // takes one item, like next(iter(gen))
    if (v.list->empty()) return Value::undefined("No first item, sequence was empty.");
    Value head = v.list->front();
    v.list->erase(v.list->begin());
    return head;
  }
  const std::vector<Value> all = ev.iterate(v);
  return all.empty() ? Value::undefined("No first item, sequence was empty.") : all.front();
}

Value last(Evaluator& ev, const Value& v, CallArgs&) {
  if (v.kind == Kind::kGenerator) render_error("'" + v.s + "' object is not reversible");
  const std::vector<Value> all = ev.iterate(v);
  return all.empty() ? Value::undefined("No last item, sequence was empty.") : all.back();
}

Value indent(Evaluator&, const Value& v, CallArgs& a) {
  const Value* width = a.get(0, "width");
  const std::string pad = width && width->is_string() ? width->s : std::string(static_cast<size_t>(std::clamp<int64_t>(int_arg(a, 0, "width", 4), 0, 256)), ' ');
  const bool first_line = truthy(arg_or(a, 1, "first", kNone));
  const bool blank = truthy(arg_or(a, 2, "blank", kNone));
  const std::vector<std::string> lines = py_splitlines(to_str(v) + "\n");
  const bool markup = v.is_string() && v.safe;
  std::string out;
  for (size_t k = 0; k < lines.size(); ++k) {
    if (k > 0) out += "\n";
    if (k > 0 && (blank || !lines[k].empty())) out += pad;
    out += lines[k];
    if (out.size() > render_limits().output_bytes) render_error("indent result too large");
  }
  if (first_line) out = pad + out;
  return markup ? Value::markup(std::move(out)) : Value::string(std::move(out));
}

Value sort_key(Evaluator& ev, const Value& item, const std::optional<std::string>& attribute, bool case_sensitive) {
  Value k = attribute ? attr_path(ev, item, *attribute) : item;
  if (!case_sensitive && k.is_string()) k = Value::string(py_lower(k.s));
  return k;
}

Value unique(Evaluator& ev, const Value& v, CallArgs& a) {
  const bool case_sensitive = truthy(arg_or(a, 0, "case_sensitive", kNone));
  const std::optional<std::string> attribute = opt_str(a, 1, "attribute");
  List out, seen;
  for (const Value& item : ev.iterate(v)) {
    ev.count_iterations(1);
    const Value k = sort_key(ev, item, attribute, case_sensitive);
    if (std::none_of(seen.begin(), seen.end(), [&](const Value& s) { return equals(s, k); })) {
      seen.push_back(k);
      out.push_back(item);
    }
  }
  return Value::generator(std::move(out));
}

Value sort(Evaluator& ev, const Value& v, CallArgs& a) {
  const bool reverse = truthy(arg_or(a, 0, "reverse", kNone));
  const bool case_sensitive = truthy(arg_or(a, 1, "case_sensitive", kNone));
  const std::optional<std::string> attribute = opt_str(a, 2, "attribute");
  std::vector<std::pair<Value, Value>> keyed;
  for (const Value& item : ev.iterate(v)) keyed.emplace_back(sort_key(ev, item, attribute, case_sensitive), item);
  ev.count_iterations(keyed.size());
  std::stable_sort(keyed.begin(), keyed.end(), [reverse](const auto& x, const auto& y) {
    return reverse ? less(y.first, x.first) : less(x.first, y.first);
  });
  List out;
  for (auto& kv : keyed) out.push_back(std::move(kv.second));
  return Value::make_list(std::move(out));
}

Value reverse(Evaluator& ev, const Value& v, CallArgs&) {
  if (v.is_string()) {
    const std::vector<size_t> off = code_point_offsets(v.s);
    std::string out;
    for (size_t k = off.size() - 1; k > 0; --k) out.append(v.s, off[k - 1], off[k] - off[k - 1]);
    return Value::string(std::move(out));
  }
  const bool iterator = v.is_sequence();  // reversed(list) is an iterator in Python
  std::vector<Value> all = ev.iterate(v);
  std::reverse(all.begin(), all.end());
  if (iterator) return Value::generator(std::move(all), v.kind == Kind::kList ? "list_reverseiterator" : "reversed");
  return Value::make_list(std::move(all));
}

Value round_(Evaluator&, const Value& v, CallArgs& a) {
  require_defined(v);
  if (!v.is_number()) render_error(std::string("type ") + type_name(v) + " doesn't define __round__ method");
  const int64_t precision = int_arg(a, 0, "precision", 0);
  const std::string method = str_arg(a, 1, "method", "common");
  if (v.kind != Kind::kFloat && method == "common") return Value::integer(v.kind == Kind::kBool ? v.b : v.i);
  const double x = v.kind == Kind::kFloat ? v.f : static_cast<double>(v.kind == Kind::kBool ? v.b : v.i);
  const double scale = std::pow(10.0, static_cast<double>(precision));
  double r = 0;
  if (method == "common") r = std::nearbyint(x * scale) / scale;
  else if (method == "ceil") r = std::ceil(x * scale) / scale;
  else if (method == "floor") r = std::floor(x * scale) / scale;
  else render_error("method must be 'common', 'ceil' or 'floor'");
  return Value::real(r);
}

Value abs_(Evaluator&, const Value& v, CallArgs&) {
  require_defined(v);
  if (v.kind == Kind::kFloat) return Value::real(std::fabs(v.f));
  if (v.kind == Kind::kInt) {
    if (v.i == INT64_MIN) render_error("integer overflow");
    return Value::integer(v.i < 0 ? -v.i : v.i);
  }
  if (v.kind == Kind::kBool) return Value::integer(v.b ? 1 : 0);
  render_error(std::string("bad operand type for abs(): '") + type_name(v) + "'");
}

Value dictsort(Evaluator&, const Value& v, CallArgs& a) {
  if (!v.is_mapping()) render_error("dictsort needs a mapping");
  const bool case_sensitive = truthy(arg_or(a, 0, "case_sensitive", kNone));
  const bool by_value = str_arg(a, 1, "by", "key") == "value";
  const bool reverse = truthy(arg_or(a, 2, "reverse", kNone));
  List pairs;
  for (const auto& [k, x] : *v.dict) pairs.push_back(Value::make_tuple({k, x}));
  std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& x, const Value& y) {
    Value kx = (*x.list)[by_value ? 1 : 0], ky = (*y.list)[by_value ? 1 : 0];
    if (!case_sensitive && kx.is_string()) kx = Value::string(py_lower(kx.s));
    if (!case_sensitive && ky.is_string()) ky = Value::string(py_lower(ky.s));
    return reverse ? less(ky, kx) : less(kx, ky);
  });
  return Value::make_list(std::move(pairs));
}

Value sum(Evaluator& ev, const Value& v, CallArgs& a) {
  const std::optional<std::string> attribute = opt_str(a, 0, "attribute");
  static const Value kZero = Value::integer(0);
  Value total = arg_or(a, 1, "start", kZero);
  for (const Value& item : ev.iterate(v)) {
    const Value x = attribute ? attr_path(ev, item, *attribute) : item;
    if (!x.is_number() || !total.is_number()) render_error("sum needs numbers");
    total = (x.kind == Kind::kFloat || total.kind == Kind::kFloat)
                ? Value::real((total.kind == Kind::kFloat ? total.f : static_cast<double>(total.i)) +
                              (x.kind == Kind::kFloat ? x.f : static_cast<double>(x.kind == Kind::kBool ? x.b : x.i)))
                : Value::integer(total.i + (x.kind == Kind::kBool ? x.b : x.i));
  }
  return total;
}

Value min_max(Evaluator& ev, const Value& v, CallArgs& a, bool want_max) {
  const bool case_sensitive = truthy(arg_or(a, 0, "case_sensitive", kNone));
  const std::optional<std::string> attribute = opt_str(a, 1, "attribute");
  const std::vector<Value> all = ev.iterate(v);
  if (all.empty()) return Value::undefined(std::string("No aggregated item, sequence was empty."));
  size_t best = 0;
  Value best_key = sort_key(ev, all[0], attribute, case_sensitive);
  for (size_t k = 1; k < all.size(); ++k) {
    Value key = sort_key(ev, all[k], attribute, case_sensitive);
    if (want_max ? less(best_key, key) : less(key, best_key)) {
      best = k;
      best_key = std::move(key);
    }
  }
  return all[best];
}
Value min(Evaluator& ev, const Value& v, CallArgs& a) { return min_max(ev, v, a, false); }
Value max(Evaluator& ev, const Value& v, CallArgs& a) { return min_max(ev, v, a, true); }

Value wordcount(Evaluator&, const Value& v, CallArgs&) {
  return Value::integer(static_cast<int64_t>(py_split(to_str(v), std::nullopt, -1).size()));
}

Value center(Evaluator&, const Value& v, CallArgs& a) {
  const std::string s = to_str(v);
  const auto width = static_cast<size_t>(std::clamp<int64_t>(int_arg(a, 0, "width", 80), 0, 4096));
  const size_t n = code_point_count(s);
  if (n >= width) return Value::string(s);
  const size_t total = width - n, left = total / 2 + (total & width & 1);
  return Value::string(std::string(left, ' ') + s + std::string(total - left, ' '));
}

const std::map<std::string_view, FilterFn>& table() {
  static const std::map<std::string_view, FilterFn> t = {
      {"abs", abs_},         {"capitalize", capitalize}, {"center", center},   {"count", length},
      {"d", default_},       {"default", default_},      {"dictsort", dictsort}, {"e", escape},
      {"escape", escape},    {"first", first},           {"float", float_},    {"forceescape", escape},
      {"indent", indent},    {"int", int_},              {"items", items},     {"join", join},
      {"last", last},        {"length", length},         {"list", list},       {"lower", lower},
      {"map", map},          {"max", max},               {"min", min},         {"reject", reject},
      {"rejectattr", rejectattr}, {"replace", replace},  {"reverse", reverse}, {"round", round_},
      {"safe", safe},        {"select", select},         {"selectattr", selectattr}, {"sort", sort},
      {"string", string},    {"sum", sum},               {"title", title},     {"tojson", tojson},
      {"trim", trim},        {"unique", unique},         {"upper", upper},     {"wordcount", wordcount},
  };
  return t;
}

}  // namespace

FilterFn find_filter(std::string_view name) {
  const auto& t = table();
  const auto it = t.find(name);
  return it == t.end() ? nullptr : it->second;
}

}  // namespace sinkstream::chat
