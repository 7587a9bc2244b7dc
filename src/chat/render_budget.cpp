#include "chat/render_budget.hpp"

#include <string>

#include "chat/template_error.hpp"

namespace sinkstream::chat {

namespace {
// The innermost open budget of this thread (renders may nest: a template's
// render does not, but a test may render inside a callback).
thread_local RenderBudget* t_budget = nullptr;
const RenderLimits kDefaultLimits{};
}  // namespace

RenderBudget::RenderBudget(const RenderLimits& limits) : limits_(limits), outer_(t_budget) { t_budget = this; }
RenderBudget::~RenderBudget() { t_budget = outer_; }

RenderBudget* RenderBudget::current() { return t_budget; }

void RenderBudget::add_bytes(size_t n) {
  bytes_ += n;
  if (bytes_ > limits_.string_bytes_built) {
    render_error("the template built more than " + std::to_string(limits_.string_bytes_built) + " bytes of strings");
  }
}

void RenderBudget::add_items(size_t n) {
  items_ += n;
  if (items_ > limits_.list_items_built) {
    render_error("the template built more than " + std::to_string(limits_.list_items_built) + " list items");
  }
}

const RenderLimits& render_limits() {
  const RenderBudget* b = t_budget;
  return b != nullptr ? b->limits() : kDefaultLimits;
}

}  // namespace sinkstream::chat
