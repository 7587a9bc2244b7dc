// A tokenizer.bin read for a vocabulary the file cannot hold (2^24 ids, the
// checkpoint header's cap, from a 13-byte file): the piece table is reserved
// for at most file size / 8 entries, and the error names the entry that
// overruns the file. (Regression guard: the allocation itself, 512 MiB before
// the fix, is not observable here; fuzz/llama2c_tokenizer_fuzz runs under a
// 512 MB malloc limit.)
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "sinkstream/error.hpp"
#include "support/paths.hpp"
#include "tokenizer/llama2c_tokenizer.hpp"

namespace sinkstream::test {
namespace {

TEST(HostileLlama2cTokenizer, VocabLargerThanTheFileNamesTheOverrunningEntry) {
  TempDir dir;
  std::string bytes(4 + 8 + 1, '\0');  // max_token_length 1, one entry: score 0, length 1, "a"
  const int32_t one = 1;
  std::memcpy(bytes.data(), &one, 4);
  std::memcpy(bytes.data() + 8, &one, 4);
  bytes[12] = 'a';
  write_file(dir.file("tok.bin"), bytes);
  try {
    tokenizer::Llama2cTokenizer(dir.file("tok.bin"), 1 << 24);  // the checkpoint header's cap
    ADD_FAILURE() << "a 13-byte file was read as 2^24 tokens";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("tok.bin"), std::string::npos) << msg;
    EXPECT_NE(msg.find("truncated at byte 13 reading score of token 1"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace sinkstream::test
