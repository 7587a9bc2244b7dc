// Python's binary operators and membership on template values.
#pragma once

#include <string>

#include "chat/value.hpp"

namespace sinkstream::chat {

// op: + - * / // % ** (arithmetic, concatenation, repetition, printf-style %).
Value arithmetic(const std::string& op, const Value& l, const Value& r);
// Python's `needle in container`.
bool contains(const Value& container, const Value& needle);
// Python's "fmt % args" (%s %r %d %i %f %x %%, with flags, width and precision).
std::string percent_format(const std::string& fmt, const Value& args);

}  // namespace sinkstream::chat
