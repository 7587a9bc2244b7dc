#include "sinkstream/chat_template.hpp"

#include "chat/ast.hpp"
#include "chat/evaluator.hpp"
#include "chat/lexer.hpp"
#include "chat/parser.hpp"
#include "chat/template_error.hpp"

namespace sinkstream::chat {

struct Template::Parsed {
  Body body;
};

Template::Template(std::string_view source, const RenderOptions& options)
    : parsed_(std::make_unique<Parsed>()), options_(options) {
  LexOptions lex;
  lex.trim_blocks = options.trim_blocks;
  lex.lstrip_blocks = options.lstrip_blocks;
  parsed_->body = parse(tokenize(source, lex));
}

Template::~Template() = default;
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;

std::string Template::render(const nlohmann::ordered_json& context) const {
  if (!context.is_object()) render_error("the render context must be a JSON object");
  std::tm now{};
  if (options_.now) {
    now = *options_.now;
  } else {
    const std::time_t t = std::time(nullptr);
    localtime_r(&t, &now);
  }
  Evaluator ev(now, options_.limits);
  return ev.render(parsed_->body, from_json(context));
}

std::string render(std::string_view source, const nlohmann::ordered_json& context, const RenderOptions& options) {
  return Template(source, options).render(context);
}

}  // namespace sinkstream::chat
