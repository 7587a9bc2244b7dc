// Public entry of the chat-template renderer: a Jinja2 subset sufficient for the
// chat templates models ship (see docs/chat-templates.md), rendered the way
// Hugging Face's apply_chat_template does (trim_blocks, lstrip_blocks, loop
// controls, tojson = json.dumps(ensure_ascii=False), raise_exception, strftime_now).
//
// Templates are untrusted: no file or environment access; the nesting caps of
// src/chat/limits.hpp bound parse depth, macro recursion and value depth, and the
// work budgets of RenderLimits bound loop iterations, output size and what one
// render may build. Every problem is a one-line sinkstream::Error.
//
// Where a model's chat template comes from: a GGUF file's tokenizer.chat_template
// (or tokenizer.chat_template.NAME), a Hugging Face folder's chat_template.jinja or
// tokenizer_config.json "chat_template" (a string, or a list of {name, template}),
// or a file given on the command line, which overrides the model's. The BOS / EOS
// token strings come from the same model (GGUF vocabulary, tokenizer_config.json).
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace sinkstream::chat {

// Work budgets of one render. The defaults let every real template render many
// times over; a template past one gets a one-line error naming the budget.
// (The fuzz target renders under smaller budgets, so that each execution ends fast.)
struct RenderLimits {
  uint64_t loop_iterations = 1'000'000;        // all for-loop iterations (and loop-like work)
  size_t output_bytes = 16u << 20;             // the rendered text, and any one string value
  size_t list_items = 200'000;                 // any one list the template builds
  uint64_t string_bytes_built = 1ull << 30;    // all strings the render creates, summed
  uint64_t list_items_built = 20'000'000;      // all list items the render creates, summed
  int64_t range = 100'000;                     // range() length (jinja's sandbox MAX_RANGE)
};

struct RenderOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
  // The time strftime_now() formats; nullopt = the current local time.
  std::optional<std::tm> now;
  RenderLimits limits;
};


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

struct TemplateSource {
  std::string text;       // the template
  std::string origin;     // where it was found, for messages ("model.gguf: tokenizer.chat_template")
  std::string bos_token;  // "" when the model has none (or none was given)
  std::string eos_token;
};

struct TemplateQuery {
  std::string model;          // a .gguf file or a Hugging Face folder; may be empty with template_file
  std::string template_file;  // --chat-template FILE: overrides the model's template
  std::string name;           // a named variant ("tool_use"); empty = the default template
};

// Throws sinkstream::Error: unreadable files, a malformed tokenizer_config.json, an
// unknown variant name, or no template at all (the message says to give --chat-template FILE).
TemplateSource find_template(const TemplateQuery& query);

}  // namespace sinkstream::chat
