// Public entry of the chat-template renderer: a Jinja2 subset sufficient for the
// chat templates models ship (see docs/chat-templates.md), rendered the way
// Hugging Face's apply_chat_template does (trim_blocks, lstrip_blocks, loop
// controls, tojson = json.dumps(ensure_ascii=False), raise_exception, strftime_now).
//
// Templates are untrusted: no file or environment access; the caps of limits.hpp
// bound parse depth, macro recursion, loop iterations and output size. Every
// problem is a one-line sinkstream::Error.
#pragma once

#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace sinkstream::chat {

struct RenderOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
  // The time strftime_now() formats; nullopt = the current local time.
  std::optional<std::tm> now;
};

struct Stmt;

class Template {
 public:
  // Parses `source`; throws sinkstream::Error on a syntax error.
  explicit Template(std::string_view source, const RenderOptions& options = {});
  ~Template();
  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;

  // Renders with `context` (a JSON object: messages, tools, add_generation_prompt, ...).
  std::string render(const nlohmann::ordered_json& context) const;

 private:
  struct Parsed;
  std::unique_ptr<Parsed> parsed_;
  RenderOptions options_;
};

std::string render(std::string_view source, const nlohmann::ordered_json& context, const RenderOptions& options = {});

}  // namespace sinkstream::chat
