// The JSON form of a SinkReport (schema "sinkstream.sinks/1"; fields in
// docs/sinks.md, JSON Schema in docs/sinks.schema.json). Non-finite numbers
// are written as null.
#pragma once

#include <string>

#include "analysis/sink_report.hpp"

namespace sinkstream::analysis {

// Pretty-printed JSON text (2-space indent, trailing newline).
std::string sink_report_json(const SinkReport& r);

}  // namespace sinkstream::analysis
