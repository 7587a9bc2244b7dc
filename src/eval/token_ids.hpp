// Token-id streams given exactly: whitespace-separated integers, or a JSON
// array of integers (detected by a leading '[').
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sinkstream::eval {

// `name` (a file name) goes into error messages. Throws Error(kFormat) for a
// token that is not an integer or malformed JSON, naming the token's index;
// Error(kRange) for an id outside [0, n_vocab) when n_vocab > 0.
std::vector<int32_t> parse_token_ids(std::string_view text, const std::string& name, int32_t n_vocab);

}  // namespace sinkstream::eval
