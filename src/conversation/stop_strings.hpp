// User stop strings over streamed text, with the hold-back the OpenAI API
// implies: text that could still become a stop string is not released until it
// cannot, and the stop string itself is never released.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sinkstream::conversation {

class StopScanner {
 public:
  explicit StopScanner(std::vector<std::string> stops);

  // Appends text; returns what can be released now. After a stop string is
  // found, returns the text before it and stopped() is true.
  std::string push(std::string_view text);
  bool stopped() const { return stopped_; }
  // At the end of a reply without a stop: the held-back tail.
  std::string flush();

 private:
  std::vector<std::string> stops_;  // non-empty strings
  std::string pending_;             // held back: a suffix that is a prefix of some stop string
  bool stopped_ = false;
};

}  // namespace sinkstream::conversation
