// DepthGuard: counts one kind of nesting during a render (eval() calls, macro
// calls) up on entry and down on exit. Past its limit it reports a one-line
// render error, "<what> nested deeper than <limit> levels", and leaves the
// count as it was.
#pragma once

#include <string>

#include "chat/template_error.hpp"

namespace sinkstream::chat {

class DepthGuard {
 public:
  DepthGuard(int& depth, int limit, const char* what) : depth_(depth) {
    if (++depth_ > limit) {
      --depth_;
      render_error(std::string(what) + " nested deeper than " + std::to_string(limit) + " levels");
    }
  }
  ~DepthGuard() { --depth_; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;

 private:
  int& depth_;
};

}  // namespace sinkstream::chat
