// The model's chat template bound to its tokenizer: a conversation -> the token
// ids a session is fed (rendered text, special tokens parsed, BOS added unless
// the template writes it), and the end-of-turn tokens that stop a reply.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sinkstream/chat_template.hpp"
#include "sinkstream/conversation.hpp"
#include "sinkstream/model.hpp"

namespace sinkstream::conversation {

class ChatFormat {
 public:
  // Throws sinkstream::Error when the model has no template (the message names --chat-template).
  ChatFormat(const Model& model, const Options& options);

  // Renders `system` (when non-null) followed by `messages`.
  std::string text(const Message* system, std::span<const Message> messages, bool add_generation_prompt,
                   const std::string& tools_json) const;
  std::vector<int32_t> tokens(const Message* system, std::span<const Message> messages, bool add_generation_prompt,
                              const std::string& tools_json) const;
  std::vector<int32_t> encode(const std::string& rendered) const;

  // The eos id, the template's eos_token and the usual end-of-turn tokens that
  // this vocabulary holds as single tokens (<|im_end|>, <|eot_id|>, <end_of_turn>, ...).
  const std::vector<int32_t>& end_of_turn() const { return end_ids_; }
  bool is_end_of_turn(int32_t id) const;
  const std::string& origin() const { return source_.origin; }

 private:
  const Tokenizer& tok_;
  chat::TemplateSource source_;
  chat::Template template_;
  std::vector<int32_t> end_ids_;
};

}  // namespace sinkstream::conversation
