// The parsed form of a template: expression and statement trees. One node struct
// per tree keeps the parser and the evaluator short; each kind documents which
// fields it uses.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/value.hpp"

namespace sinkstream::chat {

enum class ExprKind {
  kLiteral,  // literal
  kName,     // name
  kList,     // kids = items
  kTuple,    // kids = items
  kDict,     // kids = key0, value0, key1, value1, ...
  kAttr,     // kids[0] = object, name = attribute
  kItem,     // kids[0] = object, kids[1] = subscript
  kSlice,    // kids[0] = object, kids[1..3] = start, stop, step (each may be null)
  kCall,     // kids[0] = callee, kids[1..] = positional args, kwargs
  kFilter,   // kids[0] = subject (null inside a filter block), kids[1..] = args, name, kwargs
  kTest,     // kids[0] = subject, kids[1..] = args, name, negated
  kUnary,    // name = "not" | "-" | "+", kids[0]
  kBinary,   // name = operator ("and", "or", "in", "not in", "==", "~", "+", ...), kids[0], kids[1]
  kCond,     // kids[0] = value if true, kids[1] = condition, kids[2] = value if false (may be null)
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  int line = 0;
  int32_t depth = 1;  // 1 + the deepest kid's depth (the parser keeps it <= kMaxExprDepth)
  std::string name;
  Value literal;
  bool negated = false;
  std::vector<ExprPtr> kids;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
};

enum class StmtKind {
  kText,         // text
  kOutput,       // exprs[0]
  kIf,           // exprs = conditions; bodies[i] for exprs[i]; one more body = else
  kFor,          // names = targets; exprs[0] = iterable, exprs[1] = filter (may be null); bodies[0] = body, bodies[1] = else; flag = recursive
  kSet,          // names = targets (several: tuple unpacking); attr = namespace attribute; exprs[0] = value
  kSetBlock,     // names[0] = target; bodies[0] = body; exprs[0] = filter chain (may be null)
  kMacro,        // text = macro name; names = parameters; exprs = defaults (null = required); bodies[0]
  kCallBlock,    // exprs[0] = call; names/defaults of caller() as in kMacro, from exprs[1..]; bodies[0]
  kFilterBlock,  // exprs[0] = filter chain; bodies[0]
  kBreak,
  kContinue,
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Stmt {
  StmtKind kind = StmtKind::kText;
  int line = 0;
  std::string text;
  std::string attr;
  std::vector<std::string> names;
  std::vector<ExprPtr> exprs;
  std::vector<Body> bodies;
  bool flag = false;
};

}  // namespace sinkstream::chat
