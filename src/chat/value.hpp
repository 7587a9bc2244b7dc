// The values a chat template computes with: Python's types as Jinja sees them.
// Lists and dicts are shared (a copy of a Value aliases the same container, as in
// Python); dicts keep insertion order. Undefined carries the hint jinja2 reports
// when an undefined value is used.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sinkstream::chat {

struct Value;
struct CallArgs;
class Evaluator;

using List = std::vector<Value>;
using DictItems = std::vector<std::pair<Value, Value>>;
using Function = std::function<Value(CallArgs&, Evaluator&)>;

enum class Kind { kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kTuple, kDict, kNamespace, kCallable,
                  kGenerator };  // kGenerator: a one-pass iterator (what map/select/... return in jinja2)

struct Callable {
  std::string name;
  Function fn;
};

struct Value {
  Kind kind = Kind::kUndefined;
  bool b = false;
  int64_t i = 0;
  double f = 0.0;
  std::string s;  // string payload, the undefined hint, or a generator's Python type name
  bool safe = false;  // a string marked safe (jinja2's Markup): `+` with it HTML-escapes the other operand
  std::shared_ptr<List> list;        // kList, kTuple
  std::shared_ptr<DictItems> dict;   // kDict, kNamespace
  std::shared_ptr<const Callable> fn;

  static Value undefined(std::string hint) {
    Value v;
    v.s = std::move(hint);
    return v;
  }
  static Value none() { return of(Kind::kNone); }
  static Value boolean(bool x) {
    Value v = of(Kind::kBool);
    v.b = x;
    return v;
  }
  static Value integer(int64_t x) {
    Value v = of(Kind::kInt);
    v.i = x;
    return v;
  }
  static Value real(double x) {
    Value v = of(Kind::kFloat);
    v.f = x;
    return v;
  }
  static Value string(std::string x);
  static Value make_list(List items = {});
  // Charges n items built outside make_list (a string's characters) to the render's budget.
  static void note_items_built(size_t n);
  static Value make_tuple(List items);
  static Value make_dict(DictItems items = {});
  static Value make_namespace(DictItems items = {});
  static Value callable(std::string name, Function fn);
  static Value generator(List items, std::string type = "generator");
  static Value markup(std::string x) {
    Value v = string(std::move(x));
    v.safe = true;
    return v;
  }

  bool is_undefined() const { return kind == Kind::kUndefined; }
  bool is_none() const { return kind == Kind::kNone; }
  bool is_string() const { return kind == Kind::kString; }
  bool is_number() const { return kind == Kind::kInt || kind == Kind::kFloat || kind == Kind::kBool; }
  bool is_sequence() const { return kind == Kind::kList || kind == Kind::kTuple; }
  bool is_mapping() const { return kind == Kind::kDict; }

 private:
  static Value of(Kind k) {
    Value v;
    v.kind = k;
    return v;
  }
};

// Positional and keyword arguments of a call.
struct CallArgs {
  std::vector<Value> args;
  std::vector<std::pair<std::string, Value>> kwargs;

  // The argument at `pos`, or the keyword `name`, or nullptr.
  const Value* get(size_t pos, std::string_view name) const;
};

// Python's type name as jinja2 prints it in messages ("dict object" uses "dict").
const char* type_name(const Value& v);
// "'dict object'" style description used in undefined hints.
std::string object_description(const Value& v);

bool truthy(const Value& v);
// Python ==, with jinja2's Undefined: equal only to another Undefined.
bool equals(const Value& a, const Value& b);
// Python <; throws sinkstream::Error for unorderable types.
bool less(const Value& a, const Value& b);
// str(v) and repr(v) as Python writes them.
std::string to_str(const Value& v);
std::string to_repr(const Value& v);
// Python's repr of a float ("1.0", "1e-05", "inf").
std::string float_repr(double x);

// Dict lookup by key (==); nullptr if absent.
const Value* dict_find(const DictItems& d, const Value& key);
const Value* dict_find(const DictItems& d, std::string_view key);
void dict_set(DictItems& d, const Value& key, Value v);

// Conversions to and from JSON (the render context, tojson).
Value from_json(const nlohmann::ordered_json& j);

// Takes the items a generator has left (it is exhausted afterwards, as in Python).
List drain(const Value& generator);
// HTML-escapes like markupsafe.escape (& < > " ').
std::string html_escape(const std::string& s);

// Fails with the jinja2 message when `v` is Undefined (using it is an error).
void require_defined(const Value& v);

}  // namespace sinkstream::chat
