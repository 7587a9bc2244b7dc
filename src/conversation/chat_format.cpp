#include "conversation/chat_format.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "conversation/messages.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::conversation {

namespace {

using nlohmann::ordered_json;

// End-of-turn markers of common chat formats (ChatML, Llama 3, Gemma, Phi, gpt-oss, ...).
constexpr std::array<std::string_view, 9> kEndOfTurnTexts = {
    "<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<end_of_turn>", "<|end|>", "<|endoftext|>", "<|return|>",
    "<|end_of_text|>", "</s>"};

chat::TemplateSource find(const Model& model, const Options& o) {
  chat::TemplateQuery q;
  q.model = model.path();
  q.template_file = o.template_file;
  q.name = o.template_name;
  return chat::find_template(q);
}

}  // namespace

ChatFormat::ChatFormat(const Model& model, const Options& options)
    : tok_(model.tokenizer()), source_(find(model, options)), template_(source_.text) {
  auto add = [&](int32_t id) {
    if (id >= 0 && std::find(end_ids_.begin(), end_ids_.end(), id) == end_ids_.end()) end_ids_.push_back(id);
  };
  add(tok_.eos_id());
  std::vector<std::string_view> texts(kEndOfTurnTexts.begin(), kEndOfTurnTexts.end());
  if (!source_.eos_token.empty()) texts.push_back(source_.eos_token);
  for (std::string_view t : texts) {
    const std::vector<int32_t> ids = tok_.encode(t, false, true);
    if (ids.size() == 1 && tok_.decode_piece(-1, ids[0]).empty()) add(ids[0]);  // a control token
  }
}

std::string ChatFormat::text(const Message* system, std::span<const Message> messages, bool add_generation_prompt,
                             const std::string& tools_json) const {
  ordered_json msgs = ordered_json::array();
  if (system != nullptr) msgs.push_back(to_template_json(*system));
  for (const Message& m : messages) msgs.push_back(to_template_json(m));
  ordered_json ctx = {{"messages", msgs},
                      {"add_generation_prompt", add_generation_prompt},
                      {"bos_token", source_.bos_token},
                      {"eos_token", source_.eos_token}};
  if (!tools_json.empty()) {
    ordered_json tools = ordered_json::parse(tools_json, nullptr, false);
    if (!tools.is_array()) throw Error(ErrorKind::kInvalidArg, "tools: expected a JSON list of tool specifications");
    ctx["tools"] = tools;
  }
  return template_.render(ctx);
}

std::vector<int32_t> ChatFormat::encode(const std::string& rendered) const {
  // BOS once: prepended when the tokenizer adds it and the template did not write it.
  const bool template_wrote_bos = !source_.bos_token.empty() && rendered.starts_with(source_.bos_token);
  return tok_.encode(rendered, tok_.add_bos_default() && !template_wrote_bos, true);
}

std::vector<int32_t> ChatFormat::tokens(const Message* system, std::span<const Message> messages,
                                        bool add_generation_prompt, const std::string& tools_json) const {
  return encode(text(system, messages, add_generation_prompt, tools_json));
}

bool ChatFormat::is_end_of_turn(int32_t id) const {
  return std::find(end_ids_.begin(), end_ids_.end(), id) != end_ids_.end();
}

}  // namespace sinkstream::conversation
