#include "tokenizer/special_tokens.hpp"

#include <algorithm>

namespace sinkstream::tokenizer {

SpecialTokenMatcher::SpecialTokenMatcher(const VocabData& v) {
  for (size_t id = 0; id < v.tokens.size(); ++id) {
    const TokenType t = v.type(id);
    if (t != TokenType::kUserDefined && t != TokenType::kControl && t != TokenType::kUnknown) continue;
    const std::string& s = v.tokens[id];
    if (s.empty()) continue;
    by_first_[static_cast<unsigned char>(s[0])].push_back({s, static_cast<int32_t>(id), t == TokenType::kUserDefined});
    ++count_;
  }
  for (auto& bucket : by_first_) {
    std::stable_sort(bucket.begin(), bucket.end(),
                     [](const Entry& a, const Entry& b) { return a.text.size() > b.text.size(); });
  }
}

std::vector<TextFragment> SpecialTokenMatcher::split(std::string_view text, bool parse_special) const {
  std::vector<TextFragment> out;
  size_t start = 0;  // beginning of the pending text fragment
  size_t i = 0;
  while (i < text.size()) {
    const auto& bucket = by_first_[static_cast<unsigned char>(text[i])];
    const Entry* hit = nullptr;
    for (const Entry& e : bucket) {
      if (!e.always && !parse_special) continue;
      if (text.substr(i).starts_with(e.text)) {
        hit = &e;
        break;
      }
    }
    if (hit == nullptr) {
      ++i;
      continue;
    }
    if (i > start) out.push_back({start, i, -1});
    out.push_back({i, i + hit->text.size(), hit->id});
    i += hit->text.size();
    start = i;
  }
  if (start < text.size()) out.push_back({start, text.size(), -1});
  return out;
}

}  // namespace sinkstream::tokenizer
