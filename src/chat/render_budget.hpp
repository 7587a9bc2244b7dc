// RenderBudget: the work budgets (RenderLimits) of the render in progress on this
// thread, and what it has spent. Evaluator::render opens one for its render; code
// deep inside values, filters and methods reads the limits through render_limits()
// and charges built strings and list items to the open budget. Outside a render
// (e.g. a unit test building values) the default limits apply and nothing is charged.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sinkstream/chat_template.hpp"

namespace sinkstream::chat {

class RenderBudget {
 public:
  explicit RenderBudget(const RenderLimits& limits);
  ~RenderBudget();
  RenderBudget(const RenderBudget&) = delete;
  RenderBudget& operator=(const RenderBudget&) = delete;

  // The open budget on this thread, or nullptr outside a render.
  static RenderBudget* current();

  const RenderLimits& limits() const { return limits_; }
  // Strings and list items built, against string_bytes_built / list_items_built.
  void add_bytes(size_t n);
  void add_items(size_t n);

 private:
  RenderLimits limits_;
  RenderBudget* outer_;
  uint64_t bytes_ = 0;
  uint64_t items_ = 0;
};

// The limits of the render in progress on this thread (the defaults outside one).
const RenderLimits& render_limits();

}  // namespace sinkstream::chat
