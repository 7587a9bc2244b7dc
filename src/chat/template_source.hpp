// Where a model's chat template comes from: a GGUF file's tokenizer.chat_template
// (or tokenizer.chat_template.NAME), a Hugging Face folder's chat_template.jinja or
// tokenizer_config.json "chat_template" (a string, or a list of {name, template}),
// or a file given on the command line, which overrides the model's. The BOS / EOS
// token strings come from the same model (GGUF vocabulary, tokenizer_config.json).
#pragma once

#include <string>

namespace sinkstream::chat {

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
