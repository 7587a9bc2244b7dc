#include "eval/policy_list.hpp"

#include <string>

#include "sinkstream/error.hpp"

namespace sinkstream::eval {

std::vector<CachePolicy> parse_policy_list(std::string_view list) {
  std::vector<CachePolicy> out;
  size_t start = 0;
  for (;;) {
    const size_t comma = list.find(',', start);
    const std::string_view item = list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (item.empty()) {
      throw Error(ErrorKind::kInvalidArg, "cache policy list '" + std::string(list) + "' has an empty entry");
    }
    const CachePolicy p = CachePolicy::parse(item);
    for (const auto& q : out) {
      if (q.to_string() == p.to_string()) {
        throw Error(ErrorKind::kInvalidArg, "cache policy " + p.to_string() + " is listed twice");
      }
    }
    out.push_back(p);
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

}  // namespace sinkstream::eval
