// Caps that keep an untrusted chat template from exhausting the stack (nesting) or
// the parser (source size). Every cap is checked where the work happens and
// reported as a one-line sinkstream::Error.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sinkstream::chat {

inline constexpr size_t kMaxTemplateBytes = 1 << 20;          // template source
inline constexpr int kMaxParseDepth = 100;                    // nested blocks + nested expressions
inline constexpr int kMaxCallDepth = 64;                      // macro / caller recursion
// Depth of one expression's tree. kMaxParseDepth bounds the parser's recursion only;
// a chain `a + b + c + ...`, `x.y.z...` or `x|f|g...` is built by a loop, so its tree is
// as deep as the chain is long (16 KB of `1 + 1 + ...` overflowed the stack under ASan,
// found by chat_template_fuzz; 1 MB of it crashed a release build).
inline constexpr int kMaxExprDepth = 256;
// Expressions evaluated inside one another across macro calls (each call's body may
// nest its own expressions). Python's own recursion limit is 1000.
inline constexpr int kMaxEvalDepth = 500;
// Nesting that repr, == and < walk in a value (a namespace or list that holds itself
// is infinitely deep: {% set ns.x = ns %}{{ ns }}).
inline constexpr int kMaxValueDepth = 400;

// The work budgets (loop iterations, output bytes, list items, what a render builds,
// range length) are RenderLimits (sinkstream/chat_template.hpp), one set per render:
// render_budget.hpp.

}  // namespace sinkstream::chat
