// A tokenizer.bin read for a vocabulary the file cannot hold: refused by its
// size before the piece table is reserved (each entry is at least 8 bytes:
// score and length), with a message naming the vocabulary size.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "sinkstream/error.hpp"
#include "support/paths.hpp"
#include "tokenizer/llama2c_tokenizer.hpp"

namespace sinkstream::test {
namespace {

TEST(HostileLlama2cTokenizer, VocabLargerThanTheFileIsRefusedBySize) {
  TempDir dir;
  std::string bytes(4 + 8 + 1, '\0');  // max_token_length 1, one entry: score 0, length 1, "a"
  const int32_t one = 1;
  std::memcpy(bytes.data(), &one, 4);
  std::memcpy(bytes.data() + 8, &one, 4);
  bytes[12] = 'a';
  write_file(dir.file("tok.bin"), bytes);
  try {
    Llama2cTokenizer(dir.file("tok.bin"), 1 << 24);  // the checkpoint header's cap
    ADD_FAILURE() << "a 13-byte file was read as 2^24 tokens";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("tok.bin"), std::string::npos) << msg;
    EXPECT_NE(msg.find("16777216"), std::string::npos) << msg;
    EXPECT_NE(msg.find("13 bytes"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace sinkstream::test
