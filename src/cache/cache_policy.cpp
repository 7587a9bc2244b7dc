// CachePolicy's grammar, driven by the policy registry.
#include "sinkstream/cache_policy.hpp"

#include <charconv>
#include <vector>

#include "cache/policy_registry.hpp"
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

// "dense, window:W, sink:S:W, recompute:W or discard:KEEP:N"
std::string expected_list() {
  const auto entries = cache::policy_entries();
  std::string s;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) s += i + 1 == entries.size() ? " or " : ", ";
    s += entries[i]->grammar;
  }
  return s;
}

[[noreturn]] void bad(std::string_view spec, const std::string& why) {
  throw Error(ErrorKind::kInvalidArg, "cache policy '" + std::string(spec) + "': " + why + " (expected " +
                                          expected_list() + ")");
}

std::string arguments(int32_t n) {
  static const char* const kWords[] = {"no arguments", "one argument", "two arguments", "three arguments"};
  return n < 4 ? kWords[n] : std::to_string(n) + " arguments";
}

// One text per registered policy, in order, `sep` between them.
std::string join_entries(const char* sep, std::string (*text)(const cache::PolicyEntry& e)) {
  std::string s;
  for (const cache::PolicyEntry* e : cache::policy_entries()) {
    if (!s.empty()) s += sep;
    s += text(*e);
  }
  return s;
}

}  // namespace

CachePolicy CachePolicy::parse(std::string_view spec) {
  const auto parts = split(spec, ':');
  const std::string_view name = parts[0];
  const cache::PolicyEntry* e = cache::find_policy_entry(name);
  if (e == nullptr) bad(spec, "unknown policy '" + std::string(name) + "'");
  if (static_cast<int32_t>(parts.size()) != e->n_params + 1) bad(spec, std::string(e->name) + " takes " + arguments(e->n_params));
  CachePolicy p;
  p.name = e->name;
  for (int32_t i = 0; i < e->n_params; ++i) {
    const cache::PolicyParam& param = e->params[static_cast<size_t>(i)];
    p.args.push_back(parse_int(spec, parts[static_cast<size_t>(i) + 1], param.what, param.min));
  }
  return p;
}

std::string CachePolicy::to_string() const {
  std::string s = name;
  for (const int32_t a : args) {
    s += ':';
    s += std::to_string(a);
  }
  return s;
}

std::string CachePolicy::grammar() {
  return join_entries(" | ", [](const cache::PolicyEntry& e) { return std::string(e.grammar); });
}

std::string CachePolicy::help() {
  return join_entries("; ", [](const cache::PolicyEntry& e) { return std::string(e.grammar) + " = " + e.help; });
}

int64_t CachePolicy::live_keys(int64_t pos) const {
  const cache::PolicyEntry* e = cache::find_policy_entry(name);
  if (e == nullptr || static_cast<int32_t>(args.size()) != e->n_params) {
    throw Error(ErrorKind::kInvalidArg, "cache policy '" + to_string() + "' is not a registered policy");
  }
  return e->live_keys(args, pos);
}

}  // namespace sinkstream
