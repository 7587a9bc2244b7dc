// A small validator for the subset of JSON Schema (draft 2020-12) that the
// project's schema files use: type (a name or a list of names: object, array,
// string, number, integer, boolean, null), properties, required,
// additionalProperties (false only), items (one schema), minItems, maxItems,
// minimum, maximum, const, enum, $ref to "#/$defs/NAME". Any other keyword
// is reported as an error, so the schema cannot silently ask for more.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sinkstream::test {

// Every violation as "PATH: what is wrong" (empty when valid). PATH is a JSON
// pointer into the instance ("" = root).
std::vector<std::string> validate_json_schema(const nlohmann::json& schema, const nlohmann::json& instance);

}  // namespace sinkstream::test
