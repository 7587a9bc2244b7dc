// Methods of str, dict and list values as the immutable sandbox allows them
// (`s.split(',')`, `d.items()`, `d.get('k', x)`); mutating ones are refused.
#include <algorithm>
#include <functional>

#include "chat/builtins.hpp"
#include "chat/evaluator.hpp"
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
  if (!v->is_string()) {
    require_defined(*v);
    render_error(std::string("expected str, got ") + type_name(*v));
  }
  return v->s;
}

std::string need_str(const CallArgs& a, size_t pos, std::string_view name) {
  std::optional<std::string> s = opt_str(a, pos, name);
  if (!s) render_error(std::string("missing required argument '") + std::string(name) + "'");
  return *s;
}

Value str_list(const std::vector<std::string>& parts) {
  List out;
  for (const std::string& p : parts) out.push_back(Value::string(p));
  return Value::make_list(std::move(out));
}

// Python str.format: {} {0} {name} {0.attr} {name[key]}; format specs are not supported.
std::string format(Evaluator& ev, const std::string& fmt, const CallArgs& a) {
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    const char c = fmt[i];
    if (c == '}' ) {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') ++i;
      else render_error("Single '}' encountered in format string");
      out += '}';
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    const size_t close = fmt.find('}', i);
    if (close == std::string::npos) render_error("Single '{' encountered in format string");
    std::string field = fmt.substr(i + 1, close - i - 1);
    i = close;
    std::string conversion;
    if (const size_t bang = field.find('!'); bang != std::string::npos) {
      conversion = field.substr(bang + 1);
      field.resize(bang);
    }
    if (field.find(':') != std::string::npos) render_error("format specs in str.format are not supported");
    size_t end = std::min(field.find('.'), field.find('['));
    const std::string head = field.substr(0, end);
    Value v;
    if (head.empty()) {
      if (auto_index >= a.args.size()) render_error(std::string("Replacement index ") + std::to_string(auto_index) + " out of range for positional args tuple");
      v = a.args[auto_index++];
    } else if (std::all_of(head.begin(), head.end(), [](char d) { return d >= '0' && d <= '9'; })) {
      const size_t k = std::stoul(head.substr(0, 9));
      if (k >= a.args.size()) render_error(std::string("Replacement index ") + head + " out of range for positional args tuple");
      v = a.args[k];
    } else {
      const Value* kw = a.get(static_cast<size_t>(-1), head);
      if (kw == nullptr) render_error(std::string("'") + head + "'");
      v = *kw;
    }
    while (end < field.size()) {
      if (field[end] == '.') {
        const size_t next = std::min(field.find('.', end + 1), field.find('[', end + 1));
        v = ev.get_attr(v, field.substr(end + 1, next - end - 1));
        end = next;
      } else {
        const size_t rb = field.find(']', end);
        if (rb == std::string::npos) render_error("Missing ']' in format string");
        const std::string key = field.substr(end + 1, rb - end - 1);
        const bool digits = !key.empty() && std::all_of(key.begin(), key.end(), [](char d) { return d >= '0' && d <= '9'; });
        v = ev.get_item(v, digits ? Value::integer(std::stoll(key.substr(0, 18))) : Value::string(key));
        end = rb + 1;
      }
    }
    out += conversion == "r" ? to_repr(v) : to_str(v);
    if (out.size() > render_limits().output_bytes) render_error("format result too large");
  }
  return out;
}

bool affix_match(const std::string& s, const Value& affix, bool prefix) {
  auto one = [&](const Value& x) {
    if (!x.is_string()) render_error(std::string(prefix ? "startswith" : "endswith") + " first arg must be str or a tuple of str");
    if (x.s.size() > s.size()) return false;
    return prefix ? s.compare(0, x.s.size(), x.s) == 0 : s.compare(s.size() - x.s.size(), x.s.size(), x.s) == 0;
  };
  if (affix.kind == Kind::kTuple) return std::any_of(affix.list->begin(), affix.list->end(), one);
  return one(affix);
}

int64_t char_index(const std::string& s, size_t byte_pos) {
  if (byte_pos == std::string::npos) return -1;
  return static_cast<int64_t>(code_point_count(std::string_view(s).substr(0, byte_pos)));
}

bool all_chars(const std::string& s, const std::function<bool(char)>& pred) {
  return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}

std::optional<Value> string_method(const std::string& s, const std::string& name) {
  using Fn = std::function<Value(CallArgs&, Evaluator&)>;
  Fn fn;
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    const bool left = name != "rstrip", right = name != "lstrip";
    fn = [s, left, right](CallArgs& a, Evaluator&) { return Value::string(py_strip(s, opt_str(a, 0, "chars"), left, right)); };
  } else if (name == "split" || name == "rsplit") {
    const bool r = name == "rsplit";
    fn = [s, r](CallArgs& a, Evaluator&) {
      const auto sep = opt_str(a, 0, "sep");
      const int64_t maxsplit = int_arg(a, 1, "maxsplit", -1);
      return str_list(r ? py_rsplit(s, sep, maxsplit) : py_split(s, sep, maxsplit));
    };
  } else if (name == "splitlines") {
    fn = [s](CallArgs&, Evaluator&) { return str_list(py_splitlines(s)); };
  } else if (name == "startswith" || name == "endswith") {
    const bool prefix = name == "startswith";
    fn = [s, prefix](CallArgs& a, Evaluator&) {
      if (a.args.empty()) render_error(std::string(prefix ? "startswith" : "endswith") + " takes at least 1 argument (0 given)");
      return Value::boolean(affix_match(s, a.args[0], prefix));
    };
  } else if (name == "replace") {
    fn = [s](CallArgs& a, Evaluator&) {
      return Value::string(py_replace(s, need_str(a, 0, "old"), need_str(a, 1, "new"), int_arg(a, 2, "count", -1)));
    };
  } else if (name == "upper") {
    fn = [s](CallArgs&, Evaluator&) { return Value::string(py_upper(s)); };
  } else if (name == "lower") {
    fn = [s](CallArgs&, Evaluator&) { return Value::string(py_lower(s)); };
  } else if (name == "title") {
    fn = [s](CallArgs&, Evaluator&) { return Value::string(py_title(s)); };
  } else if (name == "capitalize") {
    fn = [s](CallArgs&, Evaluator&) { return Value::string(py_capitalize(s)); };
  } else if (name == "format") {
    fn = [s](CallArgs& a, Evaluator& ev) { return Value::string(format(ev, s, a)); };
  } else if (name == "find" || name == "rfind" || name == "index" || name == "rindex") {
    const bool rev = name[0] == 'r', strict = name.find("index") != std::string::npos;
    fn = [s, rev, strict](CallArgs& a, Evaluator&) {
      const std::string sub = need_str(a, 0, "sub");
      const int64_t k = char_index(s, rev ? s.rfind(sub) : s.find(sub));
      if (k < 0 && strict) render_error("substring not found");
      return Value::integer(k);
    };
  } else if (name == "count") {
    fn = [s](CallArgs& a, Evaluator&) { return Value::integer(static_cast<int64_t>(py_count(s, need_str(a, 0, "sub")))); };
  } else if (name == "join") {
    fn = [s](CallArgs& a, Evaluator& ev) {
      if (a.args.empty()) render_error("join() takes exactly one argument (0 given)");
      std::string out;
      bool first = true;
      for (const Value& item : ev.iterate(a.args[0])) {
        if (!item.is_string()) render_error(std::string("sequence item: expected str instance, ") + type_name(item) + " found");
        if (!first) out += s;
        first = false;
        out += item.s;
        if (out.size() > render_limits().output_bytes) render_error("join result too large");
      }
      return Value::string(std::move(out));
    };
  } else if (name == "removeprefix" || name == "removesuffix") {
    const bool prefix = name == "removeprefix";
    fn = [s, prefix](CallArgs& a, Evaluator&) {
      const std::string x = need_str(a, 0, prefix ? "prefix" : "suffix");
      if (x.size() <= s.size() && affix_match(s, Value::string(x), prefix)) {
        return Value::string(prefix ? s.substr(x.size()) : s.substr(0, s.size() - x.size()));
      }
      return Value::string(s);
    };
  } else if (name == "isdigit" || name == "isnumeric" || name == "isdecimal") {
    fn = [s](CallArgs&, Evaluator&) { return Value::boolean(all_chars(s, [](char c) { return c >= '0' && c <= '9'; })); };
  } else if (name == "isalpha") {
    fn = [s](CallArgs&, Evaluator&) {
      return Value::boolean(all_chars(s, [](char c) { return ascii_lower(c) >= 'a' && ascii_lower(c) <= 'z'; }));
    };
  } else if (name == "isalnum") {
    fn = [s](CallArgs&, Evaluator&) {
      return Value::boolean(all_chars(s, [](char c) { return (ascii_lower(c) >= 'a' && ascii_lower(c) <= 'z') || (c >= '0' && c <= '9'); }));
    };
  } else if (name == "isspace") {
    fn = [s](CallArgs&, Evaluator&) { return Value::boolean(all_chars(s, ascii_space)); };
  } else if (name == "islower" || name == "isupper") {
    const bool want_lower = name == "islower";
    fn = [s, want_lower](CallArgs&, Evaluator&) {
      bool cased = false;
      for (char c : s) {
        if (want_lower ? (c >= 'A' && c <= 'Z') : (c >= 'a' && c <= 'z')) return Value::boolean(false);
        cased = cased || (ascii_lower(c) >= 'a' && ascii_lower(c) <= 'z');
      }
      return Value::boolean(cased);
    };
  } else {
    return std::nullopt;
  }
  return Value::callable(std::string("str.") + name, std::move(fn));
}

Value unsafe(const Value& obj, const std::string& name) {
  return Value::undefined(std::string("access to attribute '") + name + "' of '" + type_name(obj) + "' object is unsafe.");
}

std::optional<Value> dict_method(const Value& obj, const std::string& name) {
  const std::shared_ptr<DictItems> d = obj.dict;
  if (name == "items") {
    return Value::callable("dict.items", [d](CallArgs&, Evaluator&) {
      List out;
      for (const auto& [k, v] : *d) out.push_back(Value::make_tuple({k, v}));
      return Value::make_list(std::move(out));
    });
  }
  if (name == "keys" || name == "values") {
    const bool keys = name == "keys";
    return Value::callable(std::string("dict.") + name, [d, keys](CallArgs&, Evaluator&) {
      List out;
      for (const auto& [k, v] : *d) out.push_back(keys ? k : v);
      return Value::make_list(std::move(out));
    });
  }
  if (name == "get") {
    return Value::callable("dict.get", [d](CallArgs& a, Evaluator&) {
      if (a.args.empty()) render_error("get expected at least 1 argument, got 0");
      const Value* v = dict_find(*d, a.args[0]);
      return v ? *v : arg_or(a, 1, "default", kNone);
    });
  }
  if (name == "copy") {
    return Value::callable("dict.copy", [d](CallArgs&, Evaluator&) { return Value::make_dict(*d); });
  }
  if (name == "pop" || name == "popitem" || name == "setdefault" || name == "update" || name == "clear" ||
      name == "fromkeys") {
    return unsafe(obj, name);
  }
  return std::nullopt;
}

std::optional<Value> list_method(const Value& obj, const std::string& name) {
  const std::shared_ptr<List> l = obj.list;
  if (name == "index" || name == "count") {
    const bool index = name == "index";
    return Value::callable(std::string(type_name(obj)) + "." + name, [l, index](CallArgs& a, Evaluator&) {
      if (a.args.empty()) render_error("expected 1 argument, got 0");
      int64_t n = 0;
      for (size_t k = 0; k < l->size(); ++k) {
        if (!equals((*l)[k], a.args[0])) continue;
        if (index) return Value::integer(static_cast<int64_t>(k));
        ++n;
      }
      if (index) render_error(to_repr(a.args[0]) + " is not in list");
      return Value::integer(n);
    });
  }
  if (name == "copy" && obj.kind == Kind::kList) {
    return Value::callable("list.copy", [l](CallArgs&, Evaluator&) { return Value::make_list(*l); });
  }
  if (obj.kind == Kind::kList && (name == "append" || name == "extend" || name == "insert" || name == "pop" ||
                                  name == "remove" || name == "reverse" || name == "sort" || name == "clear")) {
    return unsafe(obj, name);
  }
  return std::nullopt;
}

}  // namespace

std::optional<Value> find_method(const Value& obj, const std::string& name) {
  switch (obj.kind) {
    case Kind::kString: return string_method(obj.s, name);
    case Kind::kDict: return dict_method(obj, name);
    case Kind::kList:
    case Kind::kTuple: return list_method(obj, name);
    default: return std::nullopt;
  }
}

}  // namespace sinkstream::chat
