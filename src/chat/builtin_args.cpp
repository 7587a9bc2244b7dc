#include "chat/builtins.hpp"
#include "chat/template_error.hpp"

namespace sinkstream::chat {

const Value& arg_or(const CallArgs& a, size_t pos, std::string_view name, const Value& fallback) {
  const Value* v = a.get(pos, name);
  return v ? *v : fallback;
}

const Value* given_arg(const CallArgs& a, size_t pos, std::string_view name) {
  const Value* v = a.get(pos, name);
  return v == nullptr || v->is_none() ? nullptr : v;
}

int64_t int_arg(const CallArgs& a, size_t pos, std::string_view name, int64_t fallback) {
  const Value* v = given_arg(a, pos, name);
  if (v == nullptr) return fallback;
  if (v->kind == Kind::kInt) return v->i;
  if (v->kind == Kind::kBool) return v->b ? 1 : 0;
  require_defined(*v);
  render_error(std::string("argument '") + std::string(name) + "' must be an integer, not " + type_name(*v));
}

std::string str_arg(const CallArgs& a, size_t pos, std::string_view name, const std::string& fallback) {
  const Value* v = a.get(pos, name);
  if (v == nullptr) return fallback;
  return to_str(*v);
}

}  // namespace sinkstream::chat
