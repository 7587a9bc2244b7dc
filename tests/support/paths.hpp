// Paths to test data. ../shared is read in place (never copied into the repo);
// tests that need it skip with a clear message when it is absent, or fail when
// SINKSTREAM_REQUIRE_SHARED=1 (set by .ci/run: CI cannot pass by skipping).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace sinkstream::test {

inline std::string shared_dir() { return SINKSTREAM_SHARED_DIR; }
inline std::string source_dir() { return SINKSTREAM_SOURCE_DIR; }
inline std::string binary() { return SINKSTREAM_BINARY; }
inline std::string stories_model() { return shared_dir() + "/models/stories260K/stories260K.bin"; }
inline std::string stories_tokenizer() { return shared_dir() + "/models/stories260K/tok512.bin"; }

inline bool have_shared() { return std::filesystem::exists(stories_model()); }

// True when absent test data must fail the test instead of skipping it.
inline bool shared_required() {
  const char* e = std::getenv("SINKSTREAM_REQUIRE_SHARED");
  return e != nullptr && std::string(e) == "1";
}

// Every "test data is absent" exit of a test goes through here: a skip with
// the message, or a failure under SINKSTREAM_REQUIRE_SHARED=1.
#define SINKSTREAM_SKIP_ABSENT(message)                                                              \
  do {                                                                                               \
    if (::sinkstream::test::shared_required()) {                                                     \
      GTEST_FAIL() << message << " (SINKSTREAM_REQUIRE_SHARED=1: absent test data is a failure)";    \
    } else {                                                                                         \
      GTEST_SKIP() << message;                                                                       \
    }                                                                                                \
  } while (0)

#define SINKSTREAM_REQUIRE_SHARED()                                                                  \
  do {                                                                                               \
    if (!::sinkstream::test::have_shared())                                                          \
      SINKSTREAM_SKIP_ABSENT("../shared is absent (" << ::sinkstream::test::shared_dir()             \
                             << "): test needs the stories260K model and texts");                   \
  } while (0)

// Scratch directory for files a test writes; removed by the caller's TempDir destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Runs a shell command; returns exit status, captures stdout and stderr.
struct CommandResult {
  int status = -1;
  std::string out;
  std::string err;
};
CommandResult run_command(const std::string& cmd);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& bytes);

}  // namespace sinkstream::test
