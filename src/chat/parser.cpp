#include "chat/parser.hpp"

#include <charconv>
#include <cstdlib>
#include <initializer_list>
#include <string_view>

#include "chat/limits.hpp"
#include "chat/template_error.hpp"

namespace sinkstream::chat {

namespace {

class Parser {
 public:
  explicit Parser(const std::vector<Token>& tokens) : t_(tokens) {}

  Body run() {
    Body body = parse_body({});
    if (cur().type != Tok::kEnd) fail(std::string("unexpected '") + cur().text + "'");
    return body;
  }

 private:
  // RAII depth counter for nested blocks and expressions.
  struct Nest {
    explicit Nest(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxParseDepth) p_.fail(std::string("template nested deeper than ") + std::to_string(kMaxParseDepth) + " levels");
    }
    ~Nest() { --p_.depth_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;
    Parser& p_;
  };

  const Token& cur() const { return t_[pos_]; }
  const Token& peek(size_t k = 1) const { return t_[pos_ + k < t_.size() ? pos_ + k : t_.size() - 1]; }
  void advance() {
    if (pos_ + 1 < t_.size()) ++pos_;
  }
  [[noreturn]] void fail(const std::string& what) const { syntax_error(cur().line, what); }

  bool is_op(std::string_view op) const { return cur().type == Tok::kOp && cur().text == op; }
  bool is_name(std::string_view n) const { return cur().type == Tok::kName && cur().text == n; }
  bool accept_op(std::string_view op) {
    if (!is_op(op)) return false;
    advance();
    return true;
  }
  bool accept_name(std::string_view n) {
    if (!is_name(n)) return false;
    advance();
    return true;
  }
  void expect_op(std::string_view op) {
    if (!accept_op(op)) fail(std::string("expected '") + std::string(op) + "', got " + describe(cur()));
  }
  std::string expect_name() {
    if (cur().type != Tok::kName) fail(std::string("expected a name, got ") + describe(cur()));
    std::string n = cur().text;
    advance();
    return n;
  }
  void expect_block_end() {
    if (cur().type != Tok::kBlockEnd) fail(std::string("expected end of statement block, got ") + describe(cur()));
    advance();
  }
  static std::string describe(const Token& t) {
    switch (t.type) {
      case Tok::kEnd: return "end of template";
      case Tok::kBlockEnd: return "end of statement block";
      case Tok::kVarEnd: return "end of print statement";
      case Tok::kString: return "a string";
      default: return std::string("'") + t.text + "'";
    }
  }

  ExprPtr node(ExprKind kind, std::string name = {}) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = cur().line;
    e->name = std::move(name);
    return e;
  }

  // Attaches a kid (may be null) and keeps e.depth = 1 + the deepest kid's depth under
  // kMaxExprDepth: chains (`a + b + ...`, `x.y.z...`) are built by loops, not by
  // recursion, so the Nest counter alone does not bound how deep a tree gets.
  void adopt(Expr& e, ExprPtr kid) {
    if (kid) grow_depth(e, kid->depth);
    e.kids.push_back(std::move(kid));
  }
  void adopt_kw(Expr& e, std::string name, ExprPtr kid) {
    grow_depth(e, kid->depth);
    e.kwargs.emplace_back(std::move(name), std::move(kid));
  }
  void grow_depth(Expr& e, int32_t kid_depth) {
    if (kid_depth + 1 > e.depth) e.depth = kid_depth + 1;
    if (e.depth > kMaxExprDepth) fail(std::string("expression nested deeper than ") + std::to_string(kMaxExprDepth) + " levels");
  }

  // ---- statements ----

  // Parses until a block tag whose keyword is in `ends` (left current) or the end.
  Body parse_body(std::initializer_list<std::string_view> ends) {
    Nest nest(*this);
    Body body;
    while (cur().type != Tok::kEnd) {
      if (cur().type == Tok::kText) {
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::kText;
        s->line = cur().line;
        s->text = cur().text;
        body.push_back(std::move(s));
        advance();
      } else if (cur().type == Tok::kVarBegin) {
        advance();
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::kOutput;
        s->line = cur().line;
        s->exprs.push_back(parse_tuple(true));
        if (cur().type != Tok::kVarEnd) fail(std::string("expected end of print statement, got ") + describe(cur()));
        advance();
        body.push_back(std::move(s));
      } else if (cur().type == Tok::kBlockBegin) {
        const Token& kw = peek();
        for (std::string_view e : ends) {
          if (kw.type == Tok::kName && kw.text == e) {
            advance();
            return body;
          }
        }
        advance();
        body.push_back(parse_statement());
      } else {
        fail(std::string("unexpected ") + describe(cur()));
      }
    }
    if (ends.size() != 0) fail(std::string("unexpected end of template, expected '") + std::string(*(ends.end() - 1)) + "'");
    return body;
  }

  StmtPtr parse_statement() {
    if (cur().type != Tok::kName) fail(std::string("expected a statement keyword, got ") + describe(cur()));
    const std::string kw = cur().text;
    auto s = std::make_unique<Stmt>();
    s->line = cur().line;
    advance();
    if (kw == "if") return parse_if(std::move(s));
    if (kw == "for") return parse_for(std::move(s));
    if (kw == "set") return parse_set(std::move(s));
    if (kw == "macro") return parse_macro(std::move(s));
    if (kw == "call") return parse_call_block(std::move(s));
    if (kw == "filter") return parse_filter_block(std::move(s));
    if (kw == "break" || kw == "continue") {
      s->kind = kw == "break" ? StmtKind::kBreak : StmtKind::kContinue;
      expect_block_end();
      return s;
    }
    fail(std::string("unsupported tag '") + kw + "'");
  }

  // After "endxxx": the block end.
  void end_tag() {
    advance();  // the end keyword
    expect_block_end();
  }

  StmtPtr parse_if(StmtPtr s) {
    s->kind = StmtKind::kIf;
    while (true) {
      s->exprs.push_back(parse_tuple(false));
      expect_block_end();
      s->bodies.push_back(parse_body({"elif", "else", "endif"}));
      if (is_name("elif")) {
        advance();
        continue;
      }
      if (is_name("else")) {
        end_tag();
        s->bodies.push_back(parse_body({"endif"}));
      }
      if (!is_name("endif")) fail("expected 'endif'");
      end_tag();
      return s;
    }
  }

  void parse_targets(std::vector<std::string>& names) {
    const bool paren = accept_op("(");
    do {
      names.push_back(expect_name());
    } while (accept_op(","));
    if (paren) expect_op(")");
  }

  StmtPtr parse_for(StmtPtr s) {
    s->kind = StmtKind::kFor;
    parse_targets(s->names);
    if (!accept_name("in")) fail("expected 'in' in for loop");
    s->exprs.push_back(parse_tuple(false));
    ExprPtr filter;
    if (accept_name("if")) filter = parse_expression(true);
    s->exprs.push_back(std::move(filter));
    s->flag = accept_name("recursive");
    expect_block_end();
    s->bodies.push_back(parse_body({"else", "endfor"}));
    if (is_name("else")) {
      end_tag();
      s->bodies.push_back(parse_body({"endfor"}));
    } else {
      s->bodies.emplace_back();
    }
    end_tag();
    return s;
  }

  StmtPtr parse_set(StmtPtr s) {
    s->names.push_back(expect_name());
    if (accept_op(".")) {
      s->attr = expect_name();
    } else {
      while (accept_op(",")) s->names.push_back(expect_name());
    }
    if (accept_op("=")) {
      s->kind = StmtKind::kSet;
      s->exprs.push_back(parse_tuple(true));
      expect_block_end();
      return s;
    }
    if (!s->attr.empty() || s->names.size() != 1) fail("expected '='");
    s->kind = StmtKind::kSetBlock;
    s->exprs.push_back(is_op("|") ? parse_filter_chain() : nullptr);
    expect_block_end();
    s->bodies.push_back(parse_body({"endset"}));
    end_tag();
    return s;
  }

  // ( name [= default], ... )
  void parse_params(Stmt& s) {
    expect_op("(");
    while (!is_op(")")) {
      if (!s.names.empty()) expect_op(",");
      if (is_op(")")) break;
      s.names.push_back(expect_name());
      s.exprs.push_back(accept_op("=") ? parse_expression(true) : nullptr);
    }
    expect_op(")");
  }

  StmtPtr parse_macro(StmtPtr s) {
    s->kind = StmtKind::kMacro;
    s->text = expect_name();
    parse_params(*s);
    expect_block_end();
    s->bodies.push_back(parse_body({"endmacro"}));
    end_tag();
    return s;
  }

  StmtPtr parse_call_block(StmtPtr s) {
    s->kind = StmtKind::kCallBlock;
    Stmt params;
    if (is_op("(")) parse_params(params);
    ExprPtr call = parse_expression(true);
    if (call->kind != ExprKind::kCall) fail("expected a call after {% call %}");
    s->exprs.push_back(std::move(call));
    s->names = std::move(params.names);
    for (auto& d : params.exprs) s->exprs.push_back(std::move(d));
    expect_block_end();
    s->bodies.push_back(parse_body({"endcall"}));
    end_tag();
    return s;
  }

  StmtPtr parse_filter_block(StmtPtr s) {
    s->kind = StmtKind::kFilterBlock;
    s->exprs.push_back(parse_filter_chain_after(nullptr));
    expect_block_end();
    s->bodies.push_back(parse_body({"endfilter"}));
    end_tag();
    return s;
  }

  // "| f | g(x)" applied to nothing (the block's content).
  ExprPtr parse_filter_chain() {
    expect_op("|");
    return parse_filter_chain_after(nullptr);
  }

  ExprPtr parse_filter_chain_after(ExprPtr subject) {
    ExprPtr e = parse_filter(std::move(subject));
    while (accept_op("|")) e = parse_filter(std::move(e));
    return e;
  }

  // ---- expressions ----

  ExprPtr parse_tuple(bool with_condexpr) {
    const int line = cur().line;
    ExprPtr first = parse_expression(with_condexpr);
    if (!is_op(",")) return first;
    auto t = node(ExprKind::kTuple);
    t->line = line;
    adopt(*t, std::move(first));
    while (accept_op(",")) {
      if (cur().type == Tok::kBlockEnd || cur().type == Tok::kVarEnd || is_op(")")) break;
      adopt(*t, parse_expression(with_condexpr));
    }
    return t;
  }

  ExprPtr parse_expression(bool with_condexpr) {
    Nest nest(*this);
    return with_condexpr ? parse_condexpr() : parse_or();
  }

  ExprPtr parse_condexpr() {
    ExprPtr e = parse_or();
    while (accept_name("if")) {
      auto c = node(ExprKind::kCond);
      adopt(*c, std::move(e));
      adopt(*c, parse_or());
      adopt(*c, accept_name("else") ? parse_condexpr() : nullptr);
      e = std::move(c);
    }
    return e;
  }

  ExprPtr binary(std::string op, ExprPtr l, ExprPtr r) {
    auto b = node(ExprKind::kBinary, std::move(op));
    adopt(*b, std::move(l));
    adopt(*b, std::move(r));
    return b;
  }

  ExprPtr parse_or() {
    ExprPtr e = parse_and();
    while (accept_name("or")) e = binary("or", std::move(e), parse_and());
    return e;
  }

  ExprPtr parse_and() {
    ExprPtr e = parse_not();
    while (accept_name("and")) e = binary("and", std::move(e), parse_not());
    return e;
  }

  ExprPtr parse_not() {
    if (is_name("not")) {
      Nest nest(*this);
      auto u = node(ExprKind::kUnary, "not");
      advance();
      adopt(*u, parse_not());
      return u;
    }
    return parse_compare();
  }

  // Chained comparisons a < b < c become (a < b) and (b < c) — b is evaluated twice,
  // which is harmless for the side-effect-free expressions templates compare.
  ExprPtr parse_compare() {
    ExprPtr e = parse_math1();
    ExprPtr chain;
    const Expr* last = e.get();
    ExprPtr owned_left = std::move(e);
    while (true) {
      std::string op;
      if (cur().type == Tok::kOp && (cur().text == "==" || cur().text == "!=" || cur().text == "<" ||
                                     cur().text == ">" || cur().text == "<=" || cur().text == ">=")) {
        op = cur().text;
        advance();
      } else if (is_name("in")) {
        op = "in";
        advance();
      } else if (is_name("not") && peek().type == Tok::kName && peek().text == "in") {
        op = "not in";
        advance();
        advance();
      } else {
        break;
      }
      ExprPtr right = parse_math1();
      const Expr* right_raw = right.get();
      if (!chain) {
        chain = binary(op, std::move(owned_left), std::move(right));
      } else {
        // Re-parse is not possible; compare against a shared copy of the middle operand.
        auto cmp = binary(op, clone(*last), std::move(right));
        chain = binary("and", std::move(chain), std::move(cmp));
      }
      last = right_raw;
    }
    return chain ? std::move(chain) : std::move(owned_left);
  }

  static ExprPtr clone(const Expr& e) {
    auto c = std::make_unique<Expr>();
    c->kind = e.kind;
    c->line = e.line;
    c->name = e.name;
    c->literal = e.literal;
    c->negated = e.negated;
    c->depth = e.depth;
    for (const auto& k : e.kids) c->kids.push_back(k ? clone(*k) : nullptr);
    for (const auto& [n, k] : e.kwargs) c->kwargs.emplace_back(n, clone(*k));
    return c;
  }

  ExprPtr parse_math1() {
    ExprPtr e = parse_concat();
    while (is_op("+") || is_op("-")) {
      std::string op = cur().text;
      advance();
      e = binary(op, std::move(e), parse_concat());
    }
    return e;
  }

  ExprPtr parse_concat() {
    ExprPtr e = parse_math2();
    while (accept_op("~")) e = binary("~", std::move(e), parse_math2());
    return e;
  }

  ExprPtr parse_math2() {
    ExprPtr e = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      std::string op = cur().text;
      advance();
      e = binary(op, std::move(e), parse_pow());
    }
    return e;
  }

  ExprPtr parse_pow() {
    ExprPtr e = parse_unary(true);
    while (accept_op("**")) e = binary("**", std::move(e), parse_unary(true));
    return e;
  }

  ExprPtr parse_unary(bool with_filter) {
    Nest nest(*this);
    ExprPtr e;
    if (is_op("-") || is_op("+")) {
      e = node(ExprKind::kUnary, cur().text);
      advance();
      adopt(*e, parse_unary(false));
    } else {
      e = parse_primary();
    }
    e = parse_postfix(std::move(e));
    if (with_filter) e = parse_filter_expr(std::move(e));
    return e;
  }

  ExprPtr literal(Value v) {
    auto e = node(ExprKind::kLiteral);
    e->literal = std::move(v);
    advance();
    return e;
  }

  ExprPtr parse_primary() {
    const Token& t = cur();
    switch (t.type) {
      case Tok::kName: {
        if (t.text == "true" || t.text == "True") return literal(Value::boolean(true));
        if (t.text == "false" || t.text == "False") return literal(Value::boolean(false));
        if (t.text == "none" || t.text == "None") return literal(Value::none());
        auto e = node(ExprKind::kName, t.text);
        advance();
        return e;
      }
      case Tok::kString: {
        std::string s = t.text;
        advance();
        while (cur().type == Tok::kString) {
          s += cur().text;
          advance();
        }
        auto e = node(ExprKind::kLiteral);
        e->literal = Value::string(std::move(s));
        return e;
      }
      case Tok::kInt: {
        int64_t v = 0;
        const auto r = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
        if (r.ec != std::errc()) return literal(Value::real(std::strtod(t.text.c_str(), nullptr)));
        return literal(Value::integer(v));
      }
      case Tok::kFloat: return literal(Value::real(std::strtod(t.text.c_str(), nullptr)));
      case Tok::kOp:
        if (t.text == "(") return parse_paren();
        if (t.text == "[") return parse_items(ExprKind::kList, "]", false);
        if (t.text == "{") return parse_items(ExprKind::kDict, "}", true);
        break;
      default: break;
    }
    fail(std::string("unexpected ") + describe(t));
  }

  ExprPtr parse_paren() {
    advance();
    if (accept_op(")")) {
      auto e = node(ExprKind::kTuple);
      return e;
    }
    ExprPtr first = parse_expression(true);
    if (accept_op(")")) return first;
    auto t = node(ExprKind::kTuple);
    adopt(*t, std::move(first));
    while (accept_op(",")) {
      if (is_op(")")) break;
      adopt(*t, parse_expression(true));
    }
    expect_op(")");
    return t;
  }

  // A list `[a, b]` or, with key_value, a dict `{k: v, ...}` (kids: k, v, k, v, ...),
  // from its opening bracket to `close`; a trailing comma is allowed.
  ExprPtr parse_items(ExprKind kind, std::string_view close, bool key_value) {
    auto e = node(kind);
    advance();
    while (!is_op(close)) {
      if (!e->kids.empty()) expect_op(",");
      if (is_op(close)) break;
      adopt(*e, parse_expression(true));
      if (key_value) {
        expect_op(":");
        adopt(*e, parse_expression(true));
      }
    }
    expect_op(close);
    return e;
  }

  ExprPtr parse_postfix(ExprPtr e) {
    while (true) {
      if (is_op(".") ) {
        advance();
        if (cur().type == Tok::kName) {
          auto a = node(ExprKind::kAttr, cur().text);
          advance();
          adopt(*a, std::move(e));
          e = std::move(a);
        } else if (cur().type == Tok::kInt) {
          auto a = node(ExprKind::kItem);
          adopt(*a, std::move(e));
          adopt(*a, literal(Value::integer(std::strtoll(cur().text.c_str(), nullptr, 10))));
          e = std::move(a);
        } else {
          fail("expected a name after '.'");
        }
      } else if (is_op("[")) {
        e = parse_subscript(std::move(e));
      } else if (is_op("(")) {
        e = parse_call(std::move(e));
      } else {
        return e;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr obj) {
    Nest nest(*this);
    advance();  // [
    ExprPtr parts[3];
    int colons = 0;
    while (!is_op("]")) {
      if (accept_op(":")) {
        if (++colons > 2) fail("too many ':' in a slice");
        continue;
      }
      if (parts[colons]) fail("expected ':' or ']' in a subscript");
      parts[colons] = parse_expression(true);
    }
    expect_op("]");
    if (colons == 0) {
      if (!parts[0]) fail("empty subscript");
      auto e = node(ExprKind::kItem);
      adopt(*e, std::move(obj));
      adopt(*e, std::move(parts[0]));
      return e;
    }
    auto e = node(ExprKind::kSlice);
    adopt(*e, std::move(obj));
    for (auto& p : parts) adopt(*e, std::move(p));
    return e;
  }

  void parse_call_args(Expr& e) {
    expect_op("(");
    bool first = true;
    while (!is_op(")")) {
      if (!first) expect_op(",");
      first = false;
      if (is_op(")")) break;
      if (cur().type == Tok::kName && peek().type == Tok::kOp && peek().text == "=") {
        std::string name = cur().text;
        advance();
        advance();
        adopt_kw(e, std::move(name), parse_expression(true));
      } else {
        if (!e.kwargs.empty()) fail("positional argument after keyword argument");
        adopt(e, parse_expression(true));
      }
    }
    expect_op(")");
  }

  ExprPtr parse_call(ExprPtr callee) {
    Nest nest(*this);
    auto e = node(ExprKind::kCall);
    adopt(*e, std::move(callee));
    parse_call_args(*e);
    return e;
  }

  ExprPtr parse_filter(ExprPtr subject) {
    Nest nest(*this);
    std::string name = expect_name();
    while (accept_op(".")) name += std::string(".") + expect_name();
    auto e = node(ExprKind::kFilter, std::move(name));
    adopt(*e, std::move(subject));
    if (is_op("(")) parse_call_args(*e);
    return e;
  }

  ExprPtr parse_test(ExprPtr subject) {
    Nest nest(*this);
    auto e = node(ExprKind::kTest);
    e->negated = accept_name("not");
    e->name = expect_name();
    adopt(*e, std::move(subject));
    if (is_op("(")) {
      parse_call_args(*e);
    } else if ((cur().type == Tok::kName || cur().type == Tok::kString || cur().type == Tok::kInt ||
                cur().type == Tok::kFloat || is_op("[") || is_op("{")) &&
               !is_name("else") && !is_name("or") && !is_name("and")) {
      if (is_name("is")) fail("You cannot chain multiple tests with is");
      adopt(*e, parse_postfix(parse_primary()));
    }
    return e;
  }

  ExprPtr parse_filter_expr(ExprPtr e) {
    while (true) {
      if (accept_op("|")) {
        e = parse_filter(std::move(e));
      } else if (accept_name("is")) {
        e = parse_test(std::move(e));
      } else if (is_op("(")) {
        e = parse_call(std::move(e));
      } else {
        return e;
      }
    }
  }

  const std::vector<Token>& t_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Body parse(const std::vector<Token>& tokens) { return Parser(tokens).run(); }

}  // namespace sinkstream::chat
