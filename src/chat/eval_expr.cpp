// Expression evaluation: names, literals, attribute / item access, slicing,
// calls, filters, tests and operators.
#include <algorithm>

#include "chat/builtins.hpp"
#include "chat/depth_guard.hpp"
#include "chat/evaluator.hpp"
#include "chat/limits.hpp"
#include "chat/operators.hpp"
#include "chat/render_budget.hpp"
#include "chat/template_error.hpp"
#include "chat/utf8_text.hpp"

namespace sinkstream::chat {

namespace {

std::string key_text(const Value& key) { return key.is_string() ? std::string("'") + key.s + "'" : to_repr(key); }

Value missing_attr(const Value& obj, const std::string& name) {
  std::string hint = "'";  // appended piecewise: GCC 12 -O3 misreports "'" + std::string (-Wrestrict)
  hint += object_description(obj);
  hint += "' has no attribute '";
  hint += name;
  hint += "'";
  return Value::undefined(std::move(hint));
}

Value missing_item(const Value& obj, const Value& key) {
  if (key.is_string()) return missing_attr(obj, key.s);
  return Value::undefined(object_description(obj) + " has no element " + key_text(key));
}

// Python slice indices for a sequence of length n.
std::vector<size_t> slice_indices(int64_t n, const Value* start, const Value* stop, const Value* step) {
  auto as_index = [](const Value* v) -> std::optional<int64_t> {
    if (v == nullptr || v->is_none()) return std::nullopt;
    if (v->kind == Kind::kInt) return v->i;
    if (v->kind == Kind::kBool) return v->b ? 1 : 0;
    require_defined(*v);
    render_error("slice indices must be integers or None");
  };
  const int64_t st = as_index(step).value_or(1);
  if (st == 0) render_error("slice step cannot be zero");
  auto clamp = [n, st](std::optional<int64_t> v, int64_t dflt) {
    if (!v) return dflt;
    int64_t x = *v;
    if (x < 0) x += n;
    if (st > 0) return std::clamp<int64_t>(x, 0, n);
    return std::clamp<int64_t>(x, -1, n - 1);
  };
  const int64_t a = clamp(as_index(start), st > 0 ? 0 : n - 1);
  const int64_t b = clamp(as_index(stop), st > 0 ? n : -1);
  std::vector<size_t> out;
  if (st > 0) {
    for (int64_t k = a; k < b; k += st) out.push_back(static_cast<size_t>(k));
  } else {
    for (int64_t k = a; k > b; k += st) out.push_back(static_cast<size_t>(k));
  }
  return out;
}

}  // namespace

Value Evaluator::get_attr(const Value& obj, const std::string& name) {
  require_defined(obj);
  if (obj.kind == Kind::kNamespace) {
    const Value* v = dict_find(*obj.dict, name);
    return v ? *v : missing_attr(obj, name);
  }
  if (std::optional<Value> m = find_method(obj, name)) return *m;
  if (obj.kind == Kind::kDict) {
    const Value* v = dict_find(*obj.dict, name);
    return v ? *v : missing_attr(obj, name);
  }
  return missing_attr(obj, name);
}

Value Evaluator::get_item(const Value& obj, const Value& key) {
  require_defined(obj);
  switch (obj.kind) {
    case Kind::kDict:
    case Kind::kNamespace: {
      if (const Value* v = dict_find(*obj.dict, key)) return *v;
      if (key.is_string() && obj.kind == Kind::kDict) {
        if (std::optional<Value> m = find_method(obj, key.s)) return *m;
      }
      return missing_item(obj, key);
    }
    case Kind::kList:
    case Kind::kTuple:
    case Kind::kString: {
      if (key.kind == Kind::kInt || key.kind == Kind::kBool) {
        const int64_t raw = key.kind == Kind::kBool ? (key.b ? 1 : 0) : key.i;
        if (obj.is_string()) {
          const std::vector<size_t> off = code_point_offsets(obj.s);
          const auto n = static_cast<int64_t>(off.size() - 1);
          const int64_t k = raw < 0 ? raw + n : raw;
          if (k < 0 || k >= n) return missing_item(obj, key);
          const auto u = static_cast<size_t>(k);
          return Value::string(obj.s.substr(off[u], off[u + 1] - off[u]));
        }
        const auto n = static_cast<int64_t>(obj.list->size());
        const int64_t k = raw < 0 ? raw + n : raw;
        if (k < 0 || k >= n) return missing_item(obj, key);
        return (*obj.list)[static_cast<size_t>(k)];
      }
      if (key.is_string()) return get_attr(obj, key.s);
      return missing_item(obj, key);
    }
    default:
      if (key.is_string()) return get_attr(obj, key.s);
      return missing_item(obj, key);
  }
}

std::vector<Value> Evaluator::iterate(const Value& v) {
  switch (v.kind) {
    case Kind::kUndefined: return {};
    case Kind::kGenerator: return drain(v);
    case Kind::kList:
    case Kind::kTuple: return *v.list;
    case Kind::kDict: {
      std::vector<Value> keys;
      keys.reserve(v.dict->size());
      for (const auto& kv : *v.dict) keys.push_back(kv.first);
      return keys;
    }
    case Kind::kString: {
      // One Value per code point: the same cost as building a list of them, so the
      // same caps apply (a 16 MiB string's characters once took ~1 GB in |sort).
      const std::vector<size_t> off = code_point_offsets(v.s);
      const size_t n = off.size() - 1;
      if (n > render_limits().list_items) {
        render_error("iterating a string of " + std::to_string(n) + " characters: more than " +
                     std::to_string(render_limits().list_items) + " items");
      }
      Value::note_items_built(n);
      std::vector<Value> chars;
      chars.reserve(n);
      for (size_t k = 0; k < n; ++k) chars.push_back(Value::string(v.s.substr(off[k], off[k + 1] - off[k])));
      return chars;
    }
    default: render_error(std::string("'") + type_name(v) + "' object is not iterable");
  }
}

Value Evaluator::call(const Value& callee, CallArgs& args) {
  require_defined(callee);
  if (callee.kind != Kind::kCallable) render_error(std::string("'") + type_name(callee) + "' object is not callable");
  return callee.fn->fn(args, *this);
}

Value Evaluator::filter(const std::string& name, const Value& subject, CallArgs& args) {
  FilterFn f = find_filter(name);
  if (f == nullptr) render_error(std::string("No filter named '") + name + "'.");
  return f(*this, subject, args);
}

bool Evaluator::test(const std::string& name, const Value& subject, CallArgs& args) {
  TestFn t = find_test(name);
  if (t == nullptr) render_error(std::string("No test named '") + name + "'.");
  return t(*this, subject, args);
}

CallArgs Evaluator::eval_args(const Expr& e, const ScopePtr& scope, size_t first) {
  CallArgs a;
  for (size_t k = first; k < e.kids.size(); ++k) a.args.push_back(eval(*e.kids[k], scope));
  for (const auto& [name, x] : e.kwargs) a.kwargs.emplace_back(name, eval(*x, scope));
  return a;
}

Value Evaluator::eval_filter(const Expr& e, const ScopePtr& scope, const Value* block_subject) {
  Value subject;
  if (e.kids[0]) {
    subject = e.kids[0]->kind == ExprKind::kFilter ? eval_filter(*e.kids[0], scope, block_subject)
                                                    : eval(*e.kids[0], scope);
  } else if (block_subject != nullptr) {
    subject = *block_subject;
  }
  CallArgs a = eval_args(e, scope, 1);
  return filter(e.name, subject, a);
}

Value Evaluator::eval_call(const Expr& e, const ScopePtr& scope) {
  Value callee = eval(*e.kids[0], scope);
  CallArgs a = eval_args(e, scope, 1);
  return call(callee, a);
}

Value Evaluator::eval_binary(const Expr& e, const ScopePtr& scope) {
  const std::string& op = e.name;
  if (op == "and") {
    Value l = eval(*e.kids[0], scope);
    return truthy(l) ? eval(*e.kids[1], scope) : l;
  }
  if (op == "or") {
    Value l = eval(*e.kids[0], scope);
    return truthy(l) ? l : eval(*e.kids[1], scope);
  }
  const Value l = eval(*e.kids[0], scope);
  const Value r = eval(*e.kids[1], scope);
  if (op == "~") return Value::string(to_str(l) + to_str(r));
  if (op == "==") return Value::boolean(equals(l, r));
  if (op == "!=") return Value::boolean(!equals(l, r));
  if (op == "<") return Value::boolean(less(l, r));
  if (op == ">") return Value::boolean(less(r, l));
  if (op == "<=") return Value::boolean(!less(r, l));
  if (op == ">=") return Value::boolean(!less(l, r));
  if (op == "in") return Value::boolean(contains(r, l));
  if (op == "not in") return Value::boolean(!contains(r, l));
  return arithmetic(op, l, r);
}

Value Evaluator::eval(const Expr& e, const ScopePtr& scope) {
  const DepthGuard depth(eval_depth_, kMaxEvalDepth, "expressions and macro calls");
  switch (e.kind) {
    case ExprKind::kLiteral: return e.literal;
    case ExprKind::kName: {
      const Value* v = scope->find(e.name);
      return v ? *v : Value::undefined(std::string("'") + e.name + "' is undefined");
    }
    case ExprKind::kList:
    case ExprKind::kTuple: {
      List items;
      for (const auto& k : e.kids) items.push_back(eval(*k, scope));
      return e.kind == ExprKind::kList ? Value::make_list(std::move(items)) : Value::make_tuple(std::move(items));
    }
    case ExprKind::kDict: {
      DictItems items;
      for (size_t k = 0; k + 1 < e.kids.size(); k += 2) {
        dict_set(items, eval(*e.kids[k], scope), eval(*e.kids[k + 1], scope));
      }
      return Value::make_dict(std::move(items));
    }
    case ExprKind::kAttr: return get_attr(eval(*e.kids[0], scope), e.name);
    case ExprKind::kItem: {
      const Value obj = eval(*e.kids[0], scope);
      return get_item(obj, eval(*e.kids[1], scope));
    }
    case ExprKind::kSlice: {
      const Value obj = eval(*e.kids[0], scope);
      Value parts[3];
      for (int k = 0; k < 3; ++k) {
        if (e.kids[static_cast<size_t>(k) + 1]) parts[k] = eval(*e.kids[static_cast<size_t>(k) + 1], scope);
      }
      auto ptr = [&](int k) { return e.kids[static_cast<size_t>(k) + 1] ? &parts[k] : nullptr; };
      require_defined(obj);
      if (obj.is_string()) {
        const std::vector<size_t> off = code_point_offsets(obj.s);
        std::string out;
        for (size_t k : slice_indices(static_cast<int64_t>(off.size() - 1), ptr(0), ptr(1), ptr(2))) {
          out.append(obj.s, off[k], off[k + 1] - off[k]);
        }
        return Value::string(std::move(out));
      }
      if (!obj.is_sequence()) render_error(std::string("'") + type_name(obj) + "' object is not subscriptable");
      List out;
      for (size_t k : slice_indices(static_cast<int64_t>(obj.list->size()), ptr(0), ptr(1), ptr(2))) {
        out.push_back((*obj.list)[k]);
      }
      Value v = Value::make_list(std::move(out));
      v.kind = obj.kind;
      return v;
    }
    case ExprKind::kCall: return eval_call(e, scope);
    case ExprKind::kFilter: return eval_filter(e, scope, nullptr);
    case ExprKind::kTest: {
      const Value subject = eval(*e.kids[0], scope);
      CallArgs a = eval_args(e, scope, 1);
      return Value::boolean(test(e.name, subject, a) != e.negated);
    }
    case ExprKind::kUnary: {
      const Value v = eval(*e.kids[0], scope);
      if (e.name == "not") return Value::boolean(!truthy(v));
      require_defined(v);
      if (!v.is_number()) render_error(std::string("bad operand type for unary ") + e.name + ": '" + type_name(v) + "'");
      if (e.name == "+") return v.kind == Kind::kBool ? Value::integer(v.b ? 1 : 0) : v;
      if (v.kind == Kind::kFloat) return Value::real(-v.f);
      return arithmetic("-", Value::integer(0), v);
    }
    case ExprKind::kBinary: return eval_binary(e, scope);
    case ExprKind::kCond: {
      if (truthy(eval(*e.kids[1], scope))) return eval(*e.kids[0], scope);
      if (e.kids[2]) return eval(*e.kids[2], scope);
      return Value::undefined(std::string("the inline if-expression on line ") + std::to_string(e.line) +
                              " evaluated to false and no else section was defined.");
    }
  }
  return Value::undefined("unknown expression");
}

}  // namespace sinkstream::chat
