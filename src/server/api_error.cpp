#include "server/api_error.hpp"

namespace sinkstream::server {

nlohmann::json ApiError::to_json() const {
  nlohmann::json e;
  e["message"] = what();
  e["type"] = type_;
  e["param"] = param_.empty() ? nlohmann::json(nullptr) : nlohmann::json(param_);
  e["code"] = code_.empty() ? nlohmann::json(nullptr) : nlohmann::json(code_);
  return nlohmann::json{{"error", e}};
}

ApiError bad_request(const std::string& message, const std::string& param, const std::string& code) {
  return ApiError(400, "invalid_request_error", message, param, code);
}

ApiError not_found(const std::string& message, const std::string& code) {
  return ApiError(404, "invalid_request_error", message, "", code);
}

}  // namespace sinkstream::server
