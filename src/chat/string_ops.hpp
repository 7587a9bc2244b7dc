// Python str operations shared by filters and string methods.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sinkstream::chat {

// strip / lstrip / rstrip: `chars` (code points) or whitespace when nullopt.
std::string py_strip(const std::string& s, const std::optional<std::string>& chars, bool left, bool right);
// str.split(sep, maxsplit): sep nullopt splits on runs of whitespace.
std::vector<std::string> py_split(const std::string& s, const std::optional<std::string>& sep, int64_t maxsplit);
std::vector<std::string> py_rsplit(const std::string& s, const std::optional<std::string>& sep, int64_t maxsplit);
std::vector<std::string> py_splitlines(const std::string& s);
std::string py_replace(const std::string& s, const std::string& from, const std::string& to, int64_t count);
std::string py_upper(const std::string& s);
std::string py_lower(const std::string& s);
std::string py_capitalize(const std::string& s);
std::string py_title(const std::string& s);
size_t py_count(const std::string& s, const std::string& sub);

}  // namespace sinkstream::chat
