// jinja2's tests (`x is defined`, `x is none`, `n is divisibleby 3`, ...).
#include <map>

#include "chat/builtins.hpp"
#include "chat/evaluator.hpp"
#include "chat/operators.hpp"
#include "chat/template_error.hpp"

namespace sinkstream::chat {

namespace {

const Value& other(const CallArgs& a) {
  static const Value kUndef = Value::undefined("test needs an argument");
  return a.args.empty() ? kUndef : a.args[0];
}

bool defined(Evaluator&, const Value& v, CallArgs&) { return !v.is_undefined(); }
bool undefined(Evaluator&, const Value& v, CallArgs&) { return v.is_undefined(); }
bool none(Evaluator&, const Value& v, CallArgs&) { return v.is_none(); }
bool string(Evaluator&, const Value& v, CallArgs&) { return v.is_string(); }
bool number(Evaluator&, const Value& v, CallArgs&) { return v.is_number(); }
bool integer(Evaluator&, const Value& v, CallArgs&) { return v.kind == Kind::kInt; }
bool float_(Evaluator&, const Value& v, CallArgs&) { return v.kind == Kind::kFloat; }
bool boolean(Evaluator&, const Value& v, CallArgs&) { return v.kind == Kind::kBool; }
bool true_(Evaluator&, const Value& v, CallArgs&) { return v.kind == Kind::kBool && v.b; }
bool false_(Evaluator&, const Value& v, CallArgs&) { return v.kind == Kind::kBool && !v.b; }
bool mapping(Evaluator&, const Value& v, CallArgs&) { return v.is_mapping(); }
bool callable(Evaluator&, const Value& v, CallArgs&) { return v.kind == Kind::kCallable; }
bool iterable(Evaluator&, const Value& v, CallArgs&) {
  return v.is_undefined() || v.is_string() || v.is_sequence() || v.is_mapping();
}
bool sequence(Evaluator& ev, const Value& v, CallArgs& a) { return iterable(ev, v, a); }
bool equalto(Evaluator&, const Value& v, CallArgs& a) { return equals(v, other(a)); }
bool ne(Evaluator&, const Value& v, CallArgs& a) { return !equals(v, other(a)); }
bool lt(Evaluator&, const Value& v, CallArgs& a) { return less(v, other(a)); }
bool gt(Evaluator&, const Value& v, CallArgs& a) { return less(other(a), v); }
bool le(Evaluator&, const Value& v, CallArgs& a) { return !less(other(a), v); }
bool ge(Evaluator&, const Value& v, CallArgs& a) { return !less(v, other(a)); }
bool in(Evaluator&, const Value& v, CallArgs& a) { return contains(other(a), v); }

bool sameas(Evaluator&, const Value& v, CallArgs& a) {
  const Value& o = other(a);
  if (v.kind != o.kind) return false;
  switch (v.kind) {
    case Kind::kNone:
    case Kind::kUndefined: return v.kind == Kind::kNone;
    case Kind::kBool: return v.b == o.b;
    case Kind::kInt: return v.i == o.i && v.i >= -5 && v.i <= 256;  // CPython's cached small ints
    case Kind::kList:
    case Kind::kTuple: return v.list == o.list;
    case Kind::kDict:
    case Kind::kNamespace: return v.dict == o.dict;
    case Kind::kCallable: return v.fn == o.fn;
    default: return false;
  }
}

int64_t int_operand(const Value& v) {
  require_defined(v);
  if (v.kind == Kind::kInt) return v.i;
  if (v.kind == Kind::kBool) return v.b ? 1 : 0;
  render_error(std::string("test needs an integer, not ") + type_name(v));
}

bool divisibleby(Evaluator&, const Value& v, CallArgs& a) {
  const int64_t d = int_operand(other(a));
  if (d == 0) render_error("integer division or modulo by zero");
  return d == -1 || int_operand(v) % d == 0;
}
bool odd(Evaluator&, const Value& v, CallArgs&) { return int_operand(v) % 2 != 0; }
bool even(Evaluator&, const Value& v, CallArgs&) { return int_operand(v) % 2 == 0; }

// Python's str.islower / str.isupper over ASCII letters: at least one letter, all in the wanted case.
bool all_letters_in_case(const Value& v, bool upper_case) {
  const std::string s = to_str(v);
  bool cased = false;
  for (char c : s) {
    const bool is_upper = c >= 'A' && c <= 'Z';
    const bool is_lower = c >= 'a' && c <= 'z';
    if (upper_case ? is_lower : is_upper) return false;
    cased = cased || is_upper || is_lower;
  }
  return cased;
}
bool lower(Evaluator&, const Value& v, CallArgs&) { return all_letters_in_case(v, false); }
bool upper(Evaluator&, const Value& v, CallArgs&) { return all_letters_in_case(v, true); }
bool filter(Evaluator&, const Value& v, CallArgs&) { return v.is_string() && find_filter(v.s) != nullptr; }
bool test(Evaluator&, const Value& v, CallArgs&) { return v.is_string() && find_test(v.s) != nullptr; }
bool escaped(Evaluator&, const Value&, CallArgs&) { return false; }

const std::map<std::string_view, TestFn>& table() {
  static const std::map<std::string_view, TestFn> t = {
      {"!=", ne},         {"<", lt},           {"<=", le},           {"==", equalto},    {">", gt},
      {">=", ge},         {"boolean", boolean}, {"callable", callable}, {"defined", defined},
      {"divisibleby", divisibleby}, {"eq", equalto}, {"equalto", equalto}, {"escaped", escaped},
      {"even", even},     {"false", false_},   {"filter", filter},   {"float", float_},  {"ge", ge},
      {"greaterthan", gt}, {"gt", gt},         {"in", in},           {"integer", integer}, {"iterable", iterable},
      {"le", le},         {"lessthan", lt},    {"lower", lower},     {"lt", lt},         {"mapping", mapping},
      {"ne", ne},         {"none", none},      {"number", number},   {"odd", odd},       {"sameas", sameas},
      {"sequence", sequence}, {"string", string}, {"test", test},    {"true", true_},    {"undefined", undefined},
      {"upper", upper},
  };
  return t;
}

}  // namespace

TestFn find_test(std::string_view name) {
  const auto& t = table();
  const auto it = t.find(name);
  return it == t.end() ? nullptr : it->second;
}

}  // namespace sinkstream::chat
