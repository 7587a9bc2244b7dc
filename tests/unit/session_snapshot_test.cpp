// Session::snapshot / restore: an in-memory rewind point (the conversation
// engine's checkpoint) gives back exactly the state it copied.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sinkstream/error.hpp"
#include "sinkstream/model.hpp"
#include "sinkstream/session.hpp"
#include "support/paths.hpp"

namespace sinkstream {
namespace {

TEST(SessionSnapshot, RestoreRewindsExactly) {
  auto model = Model::load(test::source_dir() + "/models/sinkstream-default.gguf");
  SessionOptions so;
  so.cache = CachePolicy::parse("sink:4:28");
  so.threads = 1;
  so.sampler.temperature = 0.8f;
  so.sampler.seed = 3;
  Session s(model, so);
  const std::vector<int32_t> prompt = model->tokenizer().encode("The kernel schedules tasks on every CPU.", true);
  s.eval(std::span<const int32_t>(prompt));
  const std::string snap = s.snapshot();
  auto continue_for = [&](int n) {
    std::vector<int32_t> out;
    for (int i = 0; i < n; ++i) {
      out.push_back(s.sample());
      s.eval(out.back());  // past the 32-slot cache: evictions happen after the snapshot
    }
    return out;
  };
  const std::vector<int32_t> first = continue_for(40);
  const std::vector<float> logits_first(s.logits().begin(), s.logits().end());
  s.restore(snap);
  EXPECT_EQ(s.position(), static_cast<int64_t>(prompt.size()));
  const std::vector<int32_t> second = continue_for(40);  // same RNG state, same cache: same tokens
  EXPECT_EQ(first, second);
  EXPECT_EQ(logits_first, std::vector<float>(s.logits().begin(), s.logits().end()));
}

TEST(SessionSnapshot, GarbageIsAOneLineError) {
  auto model = Model::load(test::source_dir() + "/models/sinkstream-default.gguf");
  Session s(model, SessionOptions{});
  try {
    s.restore(std::string("not a snapshot"));
    ADD_FAILURE() << "restore accepted garbage";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("session snapshot"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
}

}  // namespace
}  // namespace sinkstream
