#include "eval/token_ids.hpp"

#include <cctype>
#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

#include "sinkstream/error.hpp"

namespace sinkstream::eval {

namespace {

void check_range(int64_t id, size_t index, const std::string& name, int32_t n_vocab) {
  const int64_t limit = n_vocab > 0 ? n_vocab : std::numeric_limits<int32_t>::max();
  if (id < 0 || id >= limit) {
    throw Error(ErrorKind::kRange, name + ": token id " + std::to_string(id) + " at index " + std::to_string(index) +
                                       " is outside the vocabulary [0, " + std::to_string(limit) + ")");
  }
}

std::vector<int32_t> parse_json(std::string_view text, const std::string& name, int32_t n_vocab) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(ErrorKind::kFormat, name + ": not a valid JSON array of token ids: " + e.what());
  }
  if (!j.is_array()) throw Error(ErrorKind::kFormat, name + ": JSON token ids must be an array of integers");
  std::vector<int32_t> ids;
  ids.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    const auto& v = j[i];
    if (!v.is_number_integer()) {
      throw Error(ErrorKind::kFormat, name + ": element " + std::to_string(i) + " (" + v.dump() + ") is not an integer");
    }
    const int64_t id = v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                           ? std::numeric_limits<int64_t>::max()
                           : v.get<int64_t>();
    check_range(id, i, name, n_vocab);
    ids.push_back(static_cast<int32_t>(id));
  }
  return ids;
}

}  // namespace

std::vector<int32_t> parse_token_ids(std::string_view text, const std::string& name, int32_t n_vocab) {
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  if (i < text.size() && text[i] == '[') return parse_json(text, name, n_vocab);
  std::vector<int32_t> ids;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    const std::string_view word = text.substr(i, j - i);
    int64_t id = 0;
    const auto [ptr, ec] = std::from_chars(word.data(), word.data() + word.size(), id);
    if (ec == std::errc::result_out_of_range) {
      throw Error(ErrorKind::kRange, name + ": token id " + std::string(word.substr(0, 32)) + " at index " +
                                         std::to_string(ids.size()) + " is outside the vocabulary");
    }
    if (ec != std::errc() || ptr != word.data() + word.size()) {
      throw Error(ErrorKind::kFormat, name + ": token " + std::to_string(ids.size()) + " ('" +
                                          std::string(word.substr(0, 32)) + "') is not an integer id");
    }
    check_range(id, ids.size(), name, n_vocab);
    ids.push_back(static_cast<int32_t>(id));
    i = j;
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  }
  return ids;
}

}  // namespace sinkstream::eval
