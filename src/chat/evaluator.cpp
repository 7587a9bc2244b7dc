#include "chat/evaluator.hpp"

#include "chat/builtins.hpp"
#include "chat/depth_guard.hpp"
#include "chat/limits.hpp"
#include "chat/render_budget.hpp"
#include "chat/template_error.hpp"
#include "chat/utf8_text.hpp"

namespace sinkstream::chat {

std::string Evaluator::render(const Body& body, const Value& context) {
  auto globals = std::make_shared<Scope>();
  add_globals(*globals);
  auto root = std::make_shared<Scope>(globals);
  if (context.is_mapping()) {
    for (const auto& [k, v] : *context.dict) {
      if (k.is_string()) root->set(k.s, v);
    }
  }
  RenderBudget budget(limits_);
  std::string out;
  out_ = &out;
  exec(body, root);
  out_ = nullptr;
  return out;
}

void Evaluator::write(const std::string& text) {
  if (out_->size() + text.size() > render_limits().output_bytes) {
    render_error(std::string("output grew past ") + std::to_string(render_limits().output_bytes) + " bytes");
  }
  *out_ += text;
}

void Evaluator::count_iterations(uint64_t n) {
  iterations_ += n;
  if (iterations_ > render_limits().loop_iterations) {
    render_error(std::string("more than ") + std::to_string(render_limits().loop_iterations) + " loop iterations");
  }
}

std::string Evaluator::capture(const Body& body, const ScopePtr& scope) {
  std::string buffer;
  std::string* saved = out_;
  out_ = &buffer;
  try {
    exec(body, scope);
  } catch (...) {
    out_ = saved;
    throw;
  }
  out_ = saved;
  return buffer;
}

Evaluator::Flow Evaluator::exec(const Body& body, const ScopePtr& scope) {
  for (const StmtPtr& s : body) {
    const Flow f = exec_stmt(*s, scope);
    if (f != Flow::kNormal) return f;
  }
  return Flow::kNormal;
}

Evaluator::Flow Evaluator::exec_stmt(const Stmt& s, const ScopePtr& scope) {
  switch (s.kind) {
    case StmtKind::kText: write(s.text); break;
    case StmtKind::kOutput: write(to_str(eval(*s.exprs[0], scope))); break;
    case StmtKind::kIf: return exec_if(s, scope);
    case StmtKind::kFor: exec_for(s, scope); break;
    case StmtKind::kSet: exec_set(s, scope); break;
    case StmtKind::kSetBlock: {
      Value v = Value::string(capture(s.bodies[0], scope));
      if (s.exprs[0]) v = eval_filter(*s.exprs[0], scope, &v);
      scope->set(s.names[0], std::move(v));
      break;
    }
    case StmtKind::kMacro: scope->set(s.text, make_macro(s, scope, s.text)); break;
    case StmtKind::kCallBlock: exec_call_block(s, scope); break;
    case StmtKind::kFilterBlock: {
      const Value content = Value::string(capture(s.bodies[0], scope));
      write(to_str(eval_filter(*s.exprs[0], scope, &content)));
      break;
    }
    case StmtKind::kBreak: return Flow::kBreak;
    case StmtKind::kContinue: return Flow::kContinue;
  }
  return Flow::kNormal;
}

Evaluator::Flow Evaluator::exec_if(const Stmt& s, const ScopePtr& scope) {
  for (size_t k = 0; k < s.exprs.size(); ++k) {
    if (truthy(eval(*s.exprs[k], scope))) return exec(s.bodies[k], scope);
  }
  if (s.bodies.size() > s.exprs.size()) return exec(s.bodies.back(), scope);
  return Flow::kNormal;
}

namespace {

void bind_targets(Scope& scope, const std::vector<std::string>& names, const Value& v) {
  if (names.size() == 1) {
    scope.set(names[0], v);
    return;
  }
  std::vector<Value> parts;
  if (v.is_sequence()) {
    parts = *v.list;
  } else if (v.is_string()) {
    const std::vector<size_t> off = code_point_offsets(v.s);
    for (size_t k = 0; k + 1 < off.size(); ++k) parts.push_back(Value::string(v.s.substr(off[k], off[k + 1] - off[k])));
  } else {
    require_defined(v);
    render_error(std::string("cannot unpack non-iterable ") + type_name(v) + " object");
  }
  if (parts.size() != names.size()) {
    render_error(parts.size() < names.size()
                     ? std::string("not enough values to unpack (expected ") + std::to_string(names.size()) + ", got " +
                           std::to_string(parts.size()) + ")"
                     : std::string("too many values to unpack (expected ") + std::to_string(names.size()) + ")");
  }
  for (size_t k = 0; k < names.size(); ++k) scope.set(names[k], parts[k]);
}

Value loop_object(const std::vector<Value>& items, size_t k) {
  const auto n = static_cast<int64_t>(items.size());
  const auto i = static_cast<int64_t>(k);
  DictItems d;
  d.emplace_back(Value::string("index"), Value::integer(i + 1));
  d.emplace_back(Value::string("index0"), Value::integer(i));
  d.emplace_back(Value::string("revindex"), Value::integer(n - i));
  d.emplace_back(Value::string("revindex0"), Value::integer(n - i - 1));
  d.emplace_back(Value::string("first"), Value::boolean(i == 0));
  d.emplace_back(Value::string("last"), Value::boolean(i == n - 1));
  d.emplace_back(Value::string("length"), Value::integer(n));
  d.emplace_back(Value::string("depth"), Value::integer(1));
  d.emplace_back(Value::string("depth0"), Value::integer(0));
  d.emplace_back(Value::string("previtem"),
                 k > 0 ? items[k - 1] : Value::undefined("there is no previous item"));
  d.emplace_back(Value::string("nextitem"),
                 k + 1 < items.size() ? items[k + 1] : Value::undefined("there is no next item"));
  d.emplace_back(Value::string("cycle"), Value::callable("cycle", [i](CallArgs& a, Evaluator&) {
                   if (a.args.empty()) render_error("no items for cycling given");
                   return a.args[static_cast<size_t>(i) % a.args.size()];
                 }));
  return Value::make_namespace(std::move(d));
}

}  // namespace

void Evaluator::exec_for(const Stmt& s, const ScopePtr& scope) {
  if (s.flag) render_error("recursive for loops are not supported");
  std::vector<Value> items = iterate(eval(*s.exprs[0], scope));
  if (s.exprs[1]) {
    std::vector<Value> kept;
    for (const Value& item : items) {
      count_iterations(1);
      auto probe = std::make_shared<Scope>(scope);
      bind_targets(*probe, s.names, item);
      if (truthy(eval(*s.exprs[1], probe))) kept.push_back(item);
    }
    items = std::move(kept);
  }
  for (size_t k = 0; k < items.size(); ++k) {
    count_iterations(1);
    auto iteration = std::make_shared<Scope>(scope);
    bind_targets(*iteration, s.names, items[k]);
    iteration->set("loop", loop_object(items, k));
    if (exec(s.bodies[0], iteration) == Flow::kBreak) break;
  }
  if (items.empty()) exec(s.bodies[1], scope);
}

void Evaluator::exec_set(const Stmt& s, const ScopePtr& scope) {
  Value v = eval(*s.exprs[0], scope);
  if (!s.attr.empty()) {
    const Value* target = scope->find(s.names[0]);
    if (target == nullptr || target->kind != Kind::kNamespace) {
      render_error("cannot assign attribute on non-namespace object");
    }
    if (assigned_.empty() || assigned_.back() != target->dict) assigned_.push_back(target->dict);
    dict_set(*target->dict, Value::string(s.attr), std::move(v));
    return;
  }
  bind_targets(*scope, s.names, v);
}

// A macro (or a call block's caller): binds arguments to parameters in a fresh
// scope under the scope it was defined in, renders its body, returns the text.
Value Evaluator::make_macro(const Stmt& s, const ScopePtr& scope, const std::string& name) {
  const Stmt* def = &s;
  const bool is_caller = s.kind == StmtKind::kCallBlock;
  // A weak reference: a macro stored in the scope it closes over must not keep it alive.
  const std::weak_ptr<Scope> weak = scope;
  return Value::callable(name, [def, weak, is_caller](CallArgs& a, Evaluator& ev) {
    const DepthGuard depth = ev.enter_macro_call();
    ScopePtr parent = weak.lock();
    if (!parent) render_error("a macro was called after the scope it was defined in ended");
    auto local = std::make_shared<Scope>(parent);
    const std::vector<std::string>& params = def->names;
    const size_t first_default = is_caller ? 1 : 0;  // exprs[0] of a call block is the call
    List varargs;
    for (size_t k = 0; k < a.args.size(); ++k) {
      if (k < params.size()) local->set(params[k], a.args[k]);
      else varargs.push_back(a.args[k]);
    }
    DictItems kwargs;
    for (auto& [k, v] : a.kwargs) {
      bool is_param = false;
      for (size_t p = 0; p < params.size(); ++p) is_param = is_param || params[p] == k;
      if (is_param) local->set(k, v);
      else if (k != "caller" || is_caller) kwargs.emplace_back(Value::string(k), v);
      else local->set("caller", v);
    }
    for (size_t p = a.args.size(); p < params.size(); ++p) {
      bool given = false;
      for (const auto& kw : a.kwargs) given = given || kw.first == params[p];
      if (given) continue;
      const Expr* dflt = def->exprs.size() > first_default + p ? def->exprs[first_default + p].get() : nullptr;
      local->set(params[p], dflt ? ev.eval(*dflt, local)
                                 : Value::undefined(std::string("parameter '") + params[p] + "' was not provided"));
    }
    local->set("varargs", Value::make_tuple(std::move(varargs)));
    local->set("kwargs", Value::make_dict(std::move(kwargs)));
    return Value::string(ev.capture(def->bodies[0], local));
  });
}

void Evaluator::exec_call_block(const Stmt& s, const ScopePtr& scope) {
  const Expr& call_expr = *s.exprs[0];
  Value callee = eval(*call_expr.kids[0], scope);
  CallArgs args = eval_args(call_expr, scope, 1);
  args.kwargs.emplace_back("caller", make_macro(s, scope, "caller"));
  write(to_str(call(callee, args)));
}

}  // namespace sinkstream::chat
