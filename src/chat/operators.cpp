#include "chat/operators.hpp"

#include <cmath>
#include <cstdio>

#include "chat/limits.hpp"
#include "chat/render_budget.hpp"
#include "chat/template_error.hpp"

namespace sinkstream::chat {

namespace {

bool is_int_like(const Value& v) { return v.kind == Kind::kInt || v.kind == Kind::kBool; }
int64_t int_of(const Value& v) { return v.kind == Kind::kBool ? (v.b ? 1 : 0) : v.i; }
double real_of(const Value& v) { return v.kind == Kind::kFloat ? v.f : static_cast<double>(int_of(v)); }

[[noreturn]] void unsupported(const std::string& op, const Value& l, const Value& r) {
  render_error(std::string("unsupported operand type(s) for ") + op + ": '" + type_name(l) + "' and '" + type_name(r) + "'");
}

[[noreturn]] void overflow() { render_error("integer overflow"); }

Value repeat(const Value& seq, int64_t n) {
  if (n <= 0) return seq.is_string() ? Value::string("") : Value::make_list();
  const size_t unit = seq.is_string() ? seq.s.size() : seq.list->size();
  const size_t cap = seq.is_string() ? render_limits().output_bytes : render_limits().list_items;
  if (unit != 0 && static_cast<uint64_t>(n) > cap / unit) render_error("repetition result too large");
  // An empty sequence repeated stays empty: no loop of n steps (`'' * 6666666666` once
  // took minutes; found by chat_template_fuzz).
  if (unit == 0) {
    if (seq.is_string()) return Value::string("");
    Value v = Value::make_list();
    v.kind = seq.kind;
    return v;
  }
  if (seq.is_string()) {
    std::string out;
    out.reserve(unit * static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) out += seq.s;
    return Value::string(std::move(out));
  }
  List out;
  for (int64_t k = 0; k < n; ++k) out.insert(out.end(), seq.list->begin(), seq.list->end());
  Value v = Value::make_list(std::move(out));
  v.kind = seq.kind;
  return v;
}

Value add(const Value& l, const Value& r) {
  if (is_int_like(l) && is_int_like(r)) {
    int64_t out = 0;
    if (__builtin_add_overflow(int_of(l), int_of(r), &out)) overflow();
    return Value::integer(out);
  }
  if (l.is_number() && r.is_number()) return Value::real(real_of(l) + real_of(r));
  if (l.is_string() && r.is_string()) {
    if (l.s.size() + r.s.size() > render_limits().output_bytes) {
      render_error(std::string("a string grew past ") + std::to_string(render_limits().output_bytes) + " bytes");
    }
    if (l.safe || r.safe) {  // Markup + str escapes the plain operand (either side)
      return Value::markup((l.safe ? l.s : html_escape(l.s)) + (r.safe ? r.s : html_escape(r.s)));
    }
    return Value::string(l.s + r.s);
  }
  if (l.is_sequence() && l.kind == r.kind) {
    if (l.list->size() + r.list->size() > render_limits().list_items) {
      render_error(std::string("a list grew past ") + std::to_string(render_limits().list_items) + " items");
    }
    List out = *l.list;
    out.insert(out.end(), r.list->begin(), r.list->end());
    Value v = Value::make_list(std::move(out));
    v.kind = l.kind;
    return v;
  }
  if (l.is_string()) render_error(std::string("can only concatenate str (not \"") + type_name(r) + "\") to str");
  if (l.kind == Kind::kList) render_error(std::string("can only concatenate list (not \"") + type_name(r) + "\") to list");
  unsupported("+", l, r);
}

Value multiply(const Value& l, const Value& r) {
  if (is_int_like(l) && is_int_like(r)) {
    int64_t out = 0;
    if (__builtin_mul_overflow(int_of(l), int_of(r), &out)) overflow();
    return Value::integer(out);
  }
  if (l.is_number() && r.is_number()) return Value::real(real_of(l) * real_of(r));
  if ((l.is_string() || l.is_sequence()) && is_int_like(r)) {
    Value v = repeat(l, int_of(r));
    v.safe = l.safe;
    return v;
  }
  if ((r.is_string() || r.is_sequence()) && is_int_like(l)) {
    Value v = repeat(r, int_of(l));
    v.safe = r.safe;
    return v;
  }
  unsupported("*", l, r);
}

int64_t floor_div(int64_t a, int64_t b) {
  if (a == INT64_MIN && b == -1) overflow();
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

Value modulo(const Value& l, const Value& r) {
  if (l.is_string()) return Value::string(percent_format(l.s, r));
  if (!l.is_number() || !r.is_number()) unsupported("%", l, r);
  if (is_int_like(l) && is_int_like(r)) {
    if (int_of(r) == 0) render_error("integer division or modulo by zero");
    if (int_of(r) == -1) return Value::integer(0);
    const int64_t a = int_of(l), b = int_of(r);
    return Value::integer(a - floor_div(a, b) * b);
  }
  const double b = real_of(r);
  if (b == 0.0) render_error("float modulo");
  double m = std::fmod(real_of(l), b);
  if (m != 0.0 && ((m < 0) != (b < 0))) m += b;
  return Value::real(m);
}

Value power(const Value& l, const Value& r) {
  if (!l.is_number() || !r.is_number()) unsupported("** or pow()", l, r);
  if (is_int_like(l) && is_int_like(r) && int_of(r) >= 0) {
    int64_t base = int_of(l), exp = int_of(r), out = 1;
    while (exp > 0) {
      if ((exp & 1) && __builtin_mul_overflow(out, base, &out)) overflow();
      exp >>= 1;
      if (exp > 0 && __builtin_mul_overflow(base, base, &base)) overflow();
    }
    return Value::integer(out);
  }
  return Value::real(std::pow(real_of(l), real_of(r)));
}

}  // namespace

Value arithmetic(const std::string& op, const Value& l, const Value& r) {
  require_defined(l);
  require_defined(r);
  if (op == "+") return add(l, r);
  if (op == "*") return multiply(l, r);
  if (op == "%") return modulo(l, r);
  if (op == "**") return power(l, r);
  if (!l.is_number() || !r.is_number()) unsupported(op, l, r);
  if (op == "-") {
    if (is_int_like(l) && is_int_like(r)) {
      int64_t out = 0;
      if (__builtin_sub_overflow(int_of(l), int_of(r), &out)) overflow();
      return Value::integer(out);
    }
    return Value::real(real_of(l) - real_of(r));
  }
  if (op == "/") {
    if (real_of(r) == 0.0) render_error("division by zero");
    return Value::real(real_of(l) / real_of(r));
  }
  if (op == "//") {
    if (is_int_like(l) && is_int_like(r)) {
      if (int_of(r) == 0) render_error("integer division or modulo by zero");
      return Value::integer(floor_div(int_of(l), int_of(r)));
    }
    if (real_of(r) == 0.0) render_error("float floor division by zero");
    return Value::real(std::floor(real_of(l) / real_of(r)));
  }
  render_error(std::string("unknown operator ") + op);
}

bool contains(const Value& container, const Value& needle) {
  switch (container.kind) {
    case Kind::kUndefined: return false;
    case Kind::kString:
      if (!needle.is_string()) {
        require_defined(needle);
        render_error(std::string("'in <string>' requires string as left operand, not ") + type_name(needle));
      }
      return container.s.find(needle.s) != std::string::npos;
    case Kind::kList:
    case Kind::kTuple:
      for (const Value& v : *container.list) {
        if (equals(v, needle)) return true;
      }
      return false;
    case Kind::kDict: return dict_find(*container.dict, needle) != nullptr;
    case Kind::kGenerator: {  // consumes items up to the match, like Python
      List& items = *container.list;
      for (size_t k = 0; k < items.size(); ++k) {
        if (equals(items[k], needle)) {
          items.erase(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(k) + 1);
          return true;
        }
      }
      items.clear();
      return false;
    }
    default:
      render_error(std::string("argument of type '") + type_name(container) + "' is not iterable");
  }
}

namespace {

// The formats below are built from a validated spec (flags, width <= 8 chars, one
// conversion letter) and always match the argument's type.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

// One %-conversion: flags, width, precision and the type letter.
std::string convert_one(const std::string& spec, char type, const Value& v) {
  char buf[512];
  std::string s;
  switch (type) {
    case 's': s = to_str(v); break;
    case 'r':
    case 'a': s = to_repr(v); break;
    case 'd':
    case 'i':
    case 'x':
    case 'X':
    case 'o': {
      if (!v.is_number()) render_error(std::string("%") + type + " format: a real number is required, not " + type_name(v));
      const long long n = v.kind == Kind::kFloat ? static_cast<long long>(v.f) : static_cast<long long>(int_of(v));
      const std::string f = std::string("%") + spec + "ll" + (type == 'i' ? 'd' : type);
      std::snprintf(buf, sizeof buf, f.c_str(), n);
      return buf;
    }
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G': {
      if (!v.is_number()) render_error(std::string("must be real number, not ") + type_name(v));
      const std::string f = std::string("%") + spec + type;
      std::snprintf(buf, sizeof buf, f.c_str(), real_of(v));
      return buf;
    }
    default: render_error(std::string("unsupported format character '") + type + "'");
  }
  // Strings: width and '-' flag only (precision truncates).
  size_t width = 0;
  bool left = false;
  size_t i = 0;
  while (i < spec.size() && (spec[i] == '-' || spec[i] == ' ' || spec[i] == '+' || spec[i] == '0' || spec[i] == '#')) {
    left = left || spec[i] == '-';
    ++i;
  }
  while (i < spec.size() && spec[i] >= '0' && spec[i] <= '9') width = width * 10 + static_cast<size_t>(spec[i++] - '0');
  if (i < spec.size() && spec[i] == '.') {
    size_t prec = 0;
    ++i;
    while (i < spec.size() && spec[i] >= '0' && spec[i] <= '9') prec = prec * 10 + static_cast<size_t>(spec[i++] - '0');
    if (s.size() > prec) s.resize(prec);
  }
  if (width > 256) width = 256;
  if (s.size() < width) s = left ? s + std::string(width - s.size(), ' ') : std::string(width - s.size(), ' ') + s;
  return s;
}

#pragma GCC diagnostic pop

}  // namespace

std::string percent_format(const std::string& fmt, const Value& args) {
  std::vector<Value> items;
  if (args.kind == Kind::kTuple) items = *args.list;
  else items.push_back(args);
  size_t next = 0;
  std::string out;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    size_t j = i + 1;
    while (j < fmt.size() && std::string_view("-+ #0123456789.").find(fmt[j]) != std::string_view::npos) ++j;
    if (j >= fmt.size()) render_error("incomplete format");
    const std::string spec = fmt.substr(i + 1, j - i - 1);
    if (spec.size() > 8) render_error("format specification too long");
    const char type = fmt[j];
    if (type == '%') {
      out += '%';
    } else {
      if (next >= items.size()) render_error("not enough arguments for format string");
      out += convert_one(spec, type, items[next++]);
    }
    i = j;
  }
  if (next < items.size() && args.kind == Kind::kTuple) render_error("not all arguments converted during string formatting");
  return out;
}

}  // namespace sinkstream::chat
