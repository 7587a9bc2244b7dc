// Copies of weights that a backend prepares for its kernels (the CPU
// backend's row panels, a device backend's uploads), keyed by the weight
// view's data pointer, which is stable for the Model's life. One cache per
// Model, shared by every backend made for that Model (each Session's, the
// Batcher's), so a prepared copy exists once per process and model, not once
// per session. Thread-safe: sessions on several threads may ask at once.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

namespace sinkstream::backend {

class WeightCache {
 public:
  // What a backend keeps for one weight (its own subclass).
  struct Entry {
    virtual ~Entry() = default;
  };

  // The entry of (key, kind), made by make() on the first request (under the
  // cache's lock: concurrent first requests wait for one make). make() may
  // return null: "nothing to prepare", remembered like an entry.
  const Entry* get_or_make(const void* key, int kind, const std::function<std::unique_ptr<Entry>()>& make) {
    const std::lock_guard<std::mutex> lock(mu_);
    auto [it, inserted] = entries_.try_emplace(std::make_pair(key, kind));
    if (inserted) it->second = make();
    return it->second.get();
  }

 private:
  std::mutex mu_;
  std::map<std::pair<const void*, int>, std::unique_ptr<Entry>> entries_;
};

}  // namespace sinkstream::backend
