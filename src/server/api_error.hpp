// Errors the HTTP API answers with: an HTTP status and the OpenAI error object
// {"error": {"message", "type", "param", "code"}}.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace sinkstream::server {

class ApiError : public std::runtime_error {
 public:
  // type: "invalid_request_error", "authentication_error", "not_found_error",
  // "rate_limit_error", "server_error"; param: the request field at fault ("" = none);
  // code: a machine-readable reason ("" = null).
  ApiError(int status, std::string type, const std::string& message, std::string param = "", std::string code = "")
      : std::runtime_error(message), status_(status), type_(std::move(type)), param_(std::move(param)),
        code_(std::move(code)) {}

  int status() const { return status_; }
  nlohmann::json to_json() const;

 private:
  int status_;
  std::string type_, param_, code_;
};

// Shorthands for the common cases.
ApiError bad_request(const std::string& message, const std::string& param = "", const std::string& code = "");
ApiError not_found(const std::string& message, const std::string& code = "");

}  // namespace sinkstream::server
