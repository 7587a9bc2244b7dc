// The filters, tests, methods and global functions templates can call. Each table
// lives in its own file; the evaluator looks names up here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "chat/scope.hpp"
#include "chat/value.hpp"

namespace sinkstream::chat {

class Evaluator;

using FilterFn = Value (*)(Evaluator&, const Value& subject, CallArgs& args);
using TestFn = bool (*)(Evaluator&, const Value& subject, CallArgs& args);

// nullptr when jinja2 has no such filter / test (or this renderer does not support it).
FilterFn find_filter(std::string_view name);    // filters.cpp
TestFn find_test(std::string_view name);        // value_tests.cpp

// A bound method of a str, dict or list (`"a b".split`, `d.items`), or nullopt.
// Methods that would mutate a list or dict give an Undefined that fails, when used,
// with jinja2's sandbox message.
std::optional<Value> find_method(const Value& obj, const std::string& name);  // methods.cpp

// range, dict, namespace, raise_exception, strftime_now.
void add_globals(Scope& scope);  // globals.cpp

// Shared argument helpers for builtins.
inline const Value kNone = Value::none();
// The argument at `pos` / named `name`; nullptr when it is not given or is none.
const Value* given_arg(const CallArgs& a, size_t pos, std::string_view name);
const Value& arg_or(const CallArgs& a, size_t pos, std::string_view name, const Value& fallback);
int64_t int_arg(const CallArgs& a, size_t pos, std::string_view name, int64_t fallback);
std::string str_arg(const CallArgs& a, size_t pos, std::string_view name, const std::string& fallback);

}  // namespace sinkstream::chat
