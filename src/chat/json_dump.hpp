// tojson as Hugging Face defines it: Python's json.dumps(x, ensure_ascii=False,
// indent=indent, separators=None, sort_keys=False). Without indent the separators
// are ", " and ": "; with indent they are "," and ": " and nested values go on
// their own lines.
#pragma once

#include <optional>
#include <string>

#include "chat/value.hpp"

namespace sinkstream::chat {

// indent: number of spaces, or nullopt for one line. Undefined and callables fail
// like Python ("Object of type Undefined is not JSON serializable").
std::string json_dumps(const Value& v, std::optional<std::string> indent);

}  // namespace sinkstream::chat
