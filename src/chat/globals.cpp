// Global functions: jinja2's range, dict, namespace, and Hugging Face's
// raise_exception and strftime_now.
#include <ctime>

#include "chat/builtins.hpp"
#include "chat/evaluator.hpp"
#include "chat/limits.hpp"
#include "chat/render_budget.hpp"
#include "chat/template_error.hpp"

namespace sinkstream::chat {

namespace {

Value range(CallArgs& a, Evaluator&) {
  if (!a.kwargs.empty()) render_error("range() takes no keyword arguments");
  int64_t start = 0, stop = 0, step = 1;
  if (a.args.size() == 1) {
    stop = int_arg(a, 0, "stop", 0);
  } else if (a.args.size() == 2 || a.args.size() == 3) {
    start = int_arg(a, 0, "start", 0);
    stop = int_arg(a, 1, "stop", 0);
    if (a.args.size() == 3) step = int_arg(a, 2, "step", 1);
  } else {
    render_error(std::string("range expected 1 to 3 arguments, got ") + std::to_string(a.args.size()));
  }
  if (step == 0) render_error("range() arg 3 must not be zero");
  const long double span = (static_cast<long double>(stop) - start) / step;
  if (span > render_limits().range) {
    render_error(std::string("Range too big. The sandbox blocks ranges larger than MAX_RANGE (") + std::to_string(render_limits().range) + ").");
  }
  List out;
  for (int64_t k = start; step > 0 ? k < stop : k > stop; k += step) out.push_back(Value::integer(k));
  return Value::make_list(std::move(out));
}

DictItems kwargs_items(const CallArgs& a) {
  DictItems items;
  for (const auto& [k, v] : a.kwargs) dict_set(items, Value::string(k), v);
  return items;
}

// dict(m, k=v) / namespace(m, k=v): the items of the optional mapping m, then the keywords.
DictItems mapping_and_kwargs(CallArgs& a, const char* fn) {
  DictItems items;
  if (!a.args.empty()) {
    if (!a.args[0].is_mapping()) render_error(std::string(fn) + "() positional argument must be a mapping");
    items = *a.args[0].dict;
  }
  for (auto& kv : kwargs_items(a)) dict_set(items, kv.first, kv.second);
  return items;
}

Value dict(CallArgs& a, Evaluator&) { return Value::make_dict(mapping_and_kwargs(a, "dict")); }

Value namespace_(CallArgs& a, Evaluator&) { return Value::make_namespace(mapping_and_kwargs(a, "namespace")); }

Value raise_exception(CallArgs& a, Evaluator&) {
  render_error(a.args.empty() ? std::string("raise_exception called") : to_str(a.args[0]));
}

Value strftime_now(CallArgs& a, Evaluator& ev) {
  const std::string fmt = str_arg(a, 0, "format", "");
  if (fmt.size() > 256) render_error("strftime_now format too long");
  char buf[1024];
  // The format is the template's own (like Python's strftime); strftime never reads past `buf`.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  const size_t n = std::strftime(buf, sizeof buf, fmt.c_str(), &ev.now());
#pragma GCC diagnostic pop
  return Value::string(std::string(buf, n));
}

}  // namespace

void add_globals(Scope& scope) {
  scope.set("range", Value::callable("range", range));
  scope.set("dict", Value::callable("dict", dict));
  scope.set("namespace", Value::callable("namespace", namespace_));
  scope.set("raise_exception", Value::callable("raise_exception", raise_exception));
  scope.set("strftime_now", Value::callable("strftime_now", strftime_now));
}

}  // namespace sinkstream::chat
