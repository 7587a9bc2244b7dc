// Variable scopes. A for-loop iteration, a macro call and a caller() body each get
// a child scope; `set` writes to the innermost one, lookups walk outwards (as in
// jinja2, where `set` inside a loop does not leak and `if` opens no scope).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chat/value.hpp"

namespace sinkstream::chat {

class Scope;
using ScopePtr = std::shared_ptr<Scope>;

class Scope {
 public:
  explicit Scope(ScopePtr parent = nullptr) : parent_(std::move(parent)) {}

  // nullptr when no scope in the chain has `name`.
  const Value* find(std::string_view name) const {
    for (const Scope* s = this; s != nullptr; s = s->parent_.get()) {
      for (const auto& [k, v] : s->vars_) {
        if (k == name) return &v;
      }
    }
    return nullptr;
  }

  void set(const std::string& name, Value v) {
    for (auto& [k, x] : vars_) {
      if (k == name) {
        x = std::move(v);
        return;
      }
    }
    vars_.emplace_back(name, std::move(v));
  }

 private:
  ScopePtr parent_;
  std::vector<std::pair<std::string, Value>> vars_;
};

}  // namespace sinkstream::chat
