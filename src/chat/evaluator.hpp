// Renders a parsed template: executes statements, evaluates expressions with
// Python / jinja2 semantics, and enforces the nesting caps of limits.hpp and the
// work budgets of its RenderLimits (render_budget.hpp). One Evaluator
// renders once; filters, tests and methods call back into it.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "chat/ast.hpp"
#include "chat/depth_guard.hpp"
#include "chat/limits.hpp"
#include "chat/scope.hpp"
#include "chat/value.hpp"
#include "sinkstream/chat_template.hpp"

namespace sinkstream::chat {

class Evaluator {
 public:
  Evaluator(const std::tm& now, const RenderLimits& limits) : now_(now), limits_(limits) {}
  // Clears the attributes of every namespace the render assigned to: the only way
  // a template builds a reference cycle ({% set ns.x = ns %}, or a macro whose
  // scope holds ns stored in ns), which shared ownership alone would leak.
  ~Evaluator() {
    for (const auto& d : assigned_) d->clear();
  }
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // Renders `body` with `context` (a dict) over the global functions.
  std::string render(const Body& body, const Value& context);

  Value eval(const Expr& e, const ScopePtr& scope);
  Value call(const Value& callee, CallArgs& args);
  Value filter(const std::string& name, const Value& subject, CallArgs& args);
  bool test(const std::string& name, const Value& subject, CallArgs& args);
  // jinja2's getattr (attribute first, then item) and getitem (item first, then attribute).
  Value get_attr(const Value& obj, const std::string& name);
  Value get_item(const Value& obj, const Value& key);
  // The items a for loop (or list()) visits; fails for non-iterables.
  std::vector<Value> iterate(const Value& v);
  // Counts loop-like work against RenderLimits::loop_iterations.
  void count_iterations(uint64_t n);
  const std::tm& now() const { return now_; }
  // Counts one macro call in progress against kMaxCallDepth (the guard's life is the call).
  DepthGuard enter_macro_call() { return DepthGuard(call_depth_, kMaxCallDepth, "macro calls"); }

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  Flow exec(const Body& body, const ScopePtr& scope);
  Flow exec_stmt(const Stmt& s, const ScopePtr& scope);
  Flow exec_if(const Stmt& s, const ScopePtr& scope);
  void exec_for(const Stmt& s, const ScopePtr& scope);
  void exec_set(const Stmt& s, const ScopePtr& scope);
  void exec_call_block(const Stmt& s, const ScopePtr& scope);
  Value make_macro(const Stmt& s, const ScopePtr& scope, const std::string& name);
  std::string capture(const Body& body, const ScopePtr& scope);
  void write(const std::string& text);

  Value eval_binary(const Expr& e, const ScopePtr& scope);
  Value eval_call(const Expr& e, const ScopePtr& scope);
  Value eval_filter(const Expr& e, const ScopePtr& scope, const Value* block_subject);
  CallArgs eval_args(const Expr& e, const ScopePtr& scope, size_t first);

  std::tm now_;
  std::string* out_ = nullptr;
  uint64_t iterations_ = 0;
  RenderLimits limits_;
  int call_depth_ = 0;  // macro calls in progress (kMaxCallDepth)
  int eval_depth_ = 0;  // eval() calls in progress (kMaxEvalDepth)
  std::vector<std::shared_ptr<DictItems>> assigned_;  // namespaces written by {% set ns.attr = ... %}
};

}  // namespace sinkstream::chat
