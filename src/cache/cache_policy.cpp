#include "sinkstream/cache_policy.hpp"

#include <charconv>
#include <vector>

#include "sinkstream/error.hpp"

namespace sinkstream {

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    const size_t p = s.find(sep, start);
    parts.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return parts;
}

int32_t parse_int(std::string_view spec, std::string_view part, const char* what, int32_t min) {
  int32_t v = 0;
  const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
  if (ec != std::errc() || ptr != part.data() + part.size() || part.empty()) {
    throw Error(ErrorKind::kInvalidArg, "cache policy '" + std::string(spec) + "': " + what + " '" +
                                            std::string(part) + "' is not an integer");
  }
  if (v < min) {
    throw Error(ErrorKind::kInvalidArg, "cache policy '" + std::string(spec) + "': " + what + " must be >= " +
                                            std::to_string(min) + ", got " + std::to_string(v));
  }
  return v;
}

[[noreturn]] void bad(std::string_view spec, const std::string& why) {
  throw Error(ErrorKind::kInvalidArg, "cache policy '" + std::string(spec) + "': " + why +
                                          " (expected dense, window:W, sink:S:W, recompute:W or discard:KEEP:N)");
}

}  // namespace

CachePolicy CachePolicy::parse(std::string_view spec) {
  const auto parts = split(spec, ':');
  const std::string_view name = parts[0];
  CachePolicy p;
  if (name == "dense") {
    if (parts.size() != 1) bad(spec, "dense takes no arguments");
    p.kind = Kind::kDense;
  } else if (name == "window") {
    if (parts.size() != 2) bad(spec, "window takes one argument");
    p.kind = Kind::kWindow;
    p.window = parse_int(spec, parts[1], "window size W", 1);
  } else if (name == "sink") {
    if (parts.size() != 3) bad(spec, "sink takes two arguments");
    p.kind = Kind::kSink;
    p.sinks = parse_int(spec, parts[1], "sink count S", 0);
    p.window = parse_int(spec, parts[2], "window size W", 1);
  } else if (name == "recompute") {
    if (parts.size() != 2) bad(spec, "recompute takes one argument");
    p.kind = Kind::kRecompute;
    p.window = parse_int(spec, parts[1], "window size W", 1);
  } else if (name == "discard") {
    if (parts.size() != 3) bad(spec, "discard takes two arguments");
    p.kind = Kind::kDiscard;
    p.sinks = parse_int(spec, parts[1], "KEEP", 0);
    p.discard = parse_int(spec, parts[2], "N", 1);
  } else {
    bad(spec, "unknown policy '" + std::string(name) + "'");
  }
  return p;
}

std::string CachePolicy::to_string() const {
  switch (kind) {
    case Kind::kDense: return "dense";
    case Kind::kWindow: return "window:" + std::to_string(window);
    case Kind::kSink: return "sink:" + std::to_string(sinks) + ":" + std::to_string(window);
    case Kind::kRecompute: return "recompute:" + std::to_string(window);
    case Kind::kDiscard: return "discard:" + std::to_string(sinks) + ":" + std::to_string(discard);
  }
  return "?";
}

}  // namespace sinkstream
